"""The firm's team: the ids the other resources name (lead accountants, people
of the activity log)."""

from ninja import Router

from api.schemas.activity import TeamOut
from practice import selectors

router = Router()


@router.get("", response=TeamOut, summary="List the team")
def team_list(request):
    """Every member, active or not."""
    return {
        "items": [
            {
                "id": member.pk,
                "name": str(member.user),
                "email": member.user.email,
                "role": member.role,
                "client_access": member.client_access,
                "is_active": member.is_active,
            }
            for member in selectors.activity_people(firm=request.firm)
        ]
    }
