"""Shared by every test directory: tests that send a real SIGINT need Python's handler.

A shell without job control starts background commands with SIGINT ignored, and Python
then never raises KeyboardInterrupt; restore the handler so those tests check GeneLab,
not how pytest was launched (CLI subprocesses inherit a handled signal as the default).
"""

import signal

if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
