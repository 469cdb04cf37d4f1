"""A confirmed consultation as an iCalendar (.ics) file, made with the `icalendar` library.

Both sides get one when the lawyer accepts. It holds the time, the lawyer's name and the
booking number — never the topic or the phone number (a calendar is often synced elsewhere).
"""

from __future__ import annotations

from datetime import datetime

PRODUCT_ID = "-//pufa//consultations//ZH"


def consultation_ics(
    booking_id: int,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    created: datetime,
    location: str = "",
) -> bytes:
    """One VEVENT with a stable UID per booking (a second file updates the same entry)."""
    # imported here: a bot that sends no calendar file does not hold icalendar (~3 MiB)
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"booking-{booking_id}@pufa")
    event.add("dtstamp", created)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content
