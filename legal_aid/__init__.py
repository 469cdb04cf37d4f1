"""Legal aid: lawyers, duty roster, bookings (planned; see the issues)."""
