"""What every domain needs: settings, db, errors, money, clock, i18n, security."""
