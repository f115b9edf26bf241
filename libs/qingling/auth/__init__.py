"""Who is calling, and what they may touch: roles, principals, tokens and access rules."""
