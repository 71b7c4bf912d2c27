"""History: the documented record, and how the model compares with it.

:mod:`.observations` (the record as dated data), :mod:`.backtest` (a scenario run over a period
that happened, every observation beside the simulated distribution) and :mod:`.calibration`
(ABC-SMC fit of the uncertain parameters to the record).
"""
