"""How access says no: `AccessRefused` (422, its own code) for a grant, an unlock or a keypad
code that cannot be done as asked, and the core refusals (`NotFound`, `Forbidden`) for a door or
a center that is not the person's to act on. The one Refused handler of the API and the pages
answer them all."""

from openhall.core.refusals import Refused


class AccessRefused(Refused):
    status = 422
    code = "access_refused"
