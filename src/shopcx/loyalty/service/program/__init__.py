"""The program's rules: versions (draft, publish, never edit what was published) and the backtest."""
