"""Every GraphQL document the Connected Cars client sends (validated against ``schema.graphql``).

One refresh is ONE request, ``Vehicles``: ``viewer.vehicles`` is a plain list (not paginated),
so the number of vehicles does not change the number of requests.
"""

from __future__ import annotations

from typing import Final

from gql import gql
from graphql import DocumentNode

GLOBAL_ORGANIZATIONS: Final[DocumentNode] = gql(
    """
    query GlobalOrganizations {
      globalOrganizations {
        key
        apiDomain
        authApiDomain
      }
    }
    """
)
"""The regions; needs no token."""

_VEHICLE_FIELDS = """
    fragment VehicleFields on Vehicle {
      id
      vin
      licensePlate
      name
      brand
      make
      model
      year
      fuelType
      unitSerial
      updateTime
      chargePercentage { pct time }
      rangeTotalKm { km time }
      isCharging
      chargingStatus {
        startChargePercentage
        startTime
        endedAt
        averageChargeSpeed
        chargeInKwhIncrease
        timeUntil80PercentCharge
      }
      highVoltageBatteryUsableCapacityKwh { kwh time }
      highVoltageBatteryTemperature { celsius time }
      carBatteryCharge { kwh time }
      position { latitude longitude time }
      odometer { odometer time }
      ignition { on time }
      fuelPercentage { percent time }
      latestBatteryVoltage { voltage time }
      health { ok }
      lampStates { type enabled time lampDetails { title } }
    }
"""

VEHICLES: Final[DocumentNode] = gql(
    """
    query Vehicles {
      viewer {
        id
        vehicles {
          primary
          vehicle { ...VehicleFields }
        }
      }
    }
    """
    + _VEHICLE_FIELDS
)
"""Every vehicle of the user with everything the entities show: one request per refresh."""

VIEWER: Final[DocumentNode] = gql(
    """
    query Viewer {
      viewer {
        id
        vehicles {
          vehicle { id }
        }
      }
    }
    """
)
"""The cheap check of a token: the user and how many vehicles the account has."""

ALL_DOCUMENTS: Final = (GLOBAL_ORGANIZATIONS, VEHICLES, VIEWER)
"""Every document the client can send (the schema test validates each)."""
