"""Qingling hazards service: 行政区划、监管部门、企业名录，事故隐患全生命周期：挂牌督办、整改、复核与销号，统计。"""
