"""Care moments and campaigns (情感投资): birthdays, callbacks, win-back, uplift against a control group."""
