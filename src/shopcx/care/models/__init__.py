"""Pure care calculations beside rules.py (uplift, quiet hours, caps, birthdays): the audience filter, the message
templates, bought-together recommendations, callback tasks, parcel milestones and which care moments are due."""
