"""Qingling notify service: 期限提醒与逐级催办，通知渠道（站内信、webhook、微信、短信、邮件），送达记录。"""
