"""Qingling identity service: 账号与角色、API 客户端、OAuth2 令牌（JWT，JWKS 公钥发布）、微信小程序登录。"""
