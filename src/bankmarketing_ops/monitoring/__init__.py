"""Drift statistics, reference profiles and reports (private: use `DriftMonitor`)."""
