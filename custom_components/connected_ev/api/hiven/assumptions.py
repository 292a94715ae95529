"""Choices made where Hiven's vehicle document is silent: every one in this one place.

The local sandbox (``sandbox/hiven``) implements exactly these choices. Re-check each one
against Hiven (their OpenAPI document at docs.hiven.energy/api) before relying on it.
"""

from __future__ import annotations

from typing import Final

# A1. Deleting a vehicle. The document has a "DELETE Vehicle" heading but no path. Chosen:
#     DELETE on the device resource; success is any 2xx (body ignored), unknown id is 404.
DELETE_DEVICE_PATH: Final = "/v2/hiven/devices/{deviceId}"

# A2. User locations. Only the operation names are known (add/get/update/deleteUserLocation).
#     Chosen: a collection under /v2/hiven/users/locations; PUT updates partially (like the
#     ev-preferences PUT); DELETE answers any 2xx. A location is shaped like the document's
#     ``chargingLocations`` items: {id, locationId, coordinates{latitude, longitude},
#     countryCode, postalCode, spotPriceAreaId} plus an optional ``name``. ``locationId`` is
#     the location's id (the one ``chargingLocationIds`` and the paths below use); the item's
#     ``id`` is a different id and is not read. The document always shows both keys, so an
#     item without ``locationId`` is invalid (no fallback to ``id``). Hiven assigns
#     ``spotPriceAreaId`` (the document says the default spot price area id is read from the
#     create-location response).
LOCATIONS_PATH: Final = "/v2/hiven/users/locations"
LOCATION_PATH: Final = "/v2/hiven/users/locations/{locationId}"

# A3. Supported vehicle brands. Heading only. Chosen: GET, API key only (like capabilities),
#     answering a JSON array of manufacturer strings.
BRANDS_PATH: Final = "/v2/hiven/vehicles/smartcar/brands"

# A4. Device list. Newer docs add ``?userId=``; the vehicle document shows none. Chosen: send
#     ``userId`` equal to the X-User-Id header (harmless when ignored).
SEND_USER_ID_QUERY: Final = True

# A5. Error bodies. Undocumented. Chosen: NestJS style {"statusCode", "message", "error"},
#     ``message`` a string or a list of strings. Read leniently: any other body is ignored.

# A6. Rate limits. Undocumented. Chosen: 429 with an optional Retry-After (seconds or an
#     HTTP date); no client-side throttling.

# A7. Authentication failures. Undocumented. Chosen: a missing or wrong X-Api-Key is 401; a
#     userId query that differs from X-User-Id is 403. Both mean "the credentials are wrong".

# A8. Capability filters. The document shows ``supporting=:capability&not_supporting=…``.
#     Chosen: one query key per capability, repeated (the SDK takes arrays).

# A9. Clearing a preference. Undocumented. Chosen: sending ``null`` for a field clears it
#     (except ``chargingBehavior``, which cannot be cleared); an omitted field is unchanged;
#     ``weekDaySpecificReadyTimes`` is replaced as a whole. The PUT answers ``""``. The
#     document marks every member optional but ``chargingBehavior``: a PUT without it is a
#     400, so the client reads the stored preferences and always sends the behaviour.

# A10. Required preferences. "targetSoC/readyTime are optional if chargingBehavior is
#      SMART_CHARGE_OFF" is read as: with any other behaviour, the stored preferences after
#      the partial update must have targetSoC and a ready time, otherwise 400. A ready time
#      is readyTime, or a weekDaySpecificReadyTimes naming all seven days (no day then falls
#      back to readyTime, which satisfies "either readyTime or weekDaySpecificReadyTimes").
#      The client checks the merged result itself before the PUT (read, merge, check, write)
#      and names the missing fields; Hiven's own 400 text is never what the user sees.

# A11. CSRF state. Hiven's authorization-url call takes no ``state``; Smartcar's authorize
#      URL does and echoes it on the redirect. The client appends ``state`` to the returned
#      URL when asked to.
STATE_PARAM: Final = "state"

# A12. Status ``batteryCapacity`` is typed "<string> | null" in the document; a number or a
#      numeric string (kWh) is accepted.

# A13. Connect answers other than 200/201 with a 2xx status are treated as invalid responses.

# A14. Per-vehicle capabilities ("GET Vehicle capabilities", heading and ``forceRefresh``
#      only). Chosen: GET on the device's ``capabilities`` with ``forceRefresh=true`` when a
#      refresh is wanted (omitted otherwise), X-Api-Key and X-User-Id, answering
#      {"capabilities": [<Capability>, …]}; a bare array is read the same way. The refresh
#      makes Hiven ask the car (slow), so the provider asks with ``forceRefresh`` once per
#      vehicle and setup of the entry (first setup, reload after a reconfigure or a newly
#      connected vehicle, restart) and keeps the answer; polls never ask again. If the call
#      is not found (404), the vehicle model list (documented) answers instead.
VEHICLE_CAPABILITIES_PATH: Final = "/v2/hiven/devices/{deviceId}/capabilities"
FORCE_REFRESH_PARAM: Final = "forceRefresh"
