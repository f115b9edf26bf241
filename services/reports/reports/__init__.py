"""Qingling reports service: 群众举报：受理、回执码、举报人身份密封、分办、核查、反馈与奖励。"""
