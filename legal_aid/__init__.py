"""Legal aid: lawyers on a duty roster, and the consultations workers book with them."""

from legal_aid.booking import (
    MAX_ACTIVE_PER_USER,
    BookingError,
    BookingView,
    SlotView,
    Withdrawn,
    active_bookings,
    agenda,
    book,
    booking_view,
    cancel,
    complete,
    decide,
    first_lawyer,
    forget_bookings,
    free_slots,
    lawyer_by_telegram,
)
from legal_aid.models import Booking, DutySlot, Lawyer
from legal_aid.roster import Roster, RosterInvalid, import_roster, read_roster

__all__ = [
    "MAX_ACTIVE_PER_USER",
    "Booking",
    "BookingError",
    "BookingView",
    "DutySlot",
    "Lawyer",
    "Roster",
    "RosterInvalid",
    "SlotView",
    "Withdrawn",
    "active_bookings",
    "agenda",
    "book",
    "booking_view",
    "cancel",
    "complete",
    "decide",
    "first_lawyer",
    "forget_bookings",
    "free_slots",
    "import_roster",
    "lawyer_by_telegram",
    "read_roster",
]
