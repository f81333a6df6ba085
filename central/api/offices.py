"""GET /api/v1/offices and an office's slots for a day."""
from flask_openapi3 import APIBlueprint, Tag

from ..models import Office
from ..offices import clock_now, get_office, office_dict, slots_view
from ..schemas import ErrorOut, OfficeList, OfficePath, SlotsOut, SlotsQuery

bp = APIBlueprint("offices", __name__, url_prefix="/api/v1/offices",
                  abp_tags=[Tag(name="offices", description="Offices and their hour slots")])


@bp.get("", responses={200: OfficeList})
def list_offices():
    """Every office with its quota, slots and booking window."""
    return [office_dict(office) for office in Office.select().order_by(Office.code)]


@bp.get("/<code>/slots", responses={200: SlotsOut, 404: ErrorOut, 422: ErrorOut})
def office_slots(path: OfficePath, query: SlotsQuery):
    """Places taken and available per hour on one of the office's days; a closed day and a
    slot that has begun (today) have none."""
    return slots_view(get_office(path.code), query.date, clock_now())
