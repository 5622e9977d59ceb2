"""Typed results and configurations shared by facades and backends."""
