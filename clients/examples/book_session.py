#!/usr/bin/python3
"""Book a massage session through clinicd's gRPC API, the way a calling service would.

1. Make a therapist and an athlete racing in ten days (or use the ids given).
2. Ask for deep tissue the afternoon before the race: a recovery rule
   rejects it. Read the rule, the race and the suggested slots from the
   status details (google.rpc.Status in the grpc-status-details-bin trailer).
3. Book the first suggested slot under our own request_id, then send the
   same request again, as after a lost answer: the server returns the same
   booking instead of booking twice.

Needs the Python stubs of proto/ on PYTHONPATH (see README.md beside this file).
"""
import argparse
import datetime
import json
import os
import sys
import time
import uuid
from zoneinfo import ZoneInfo

import grpc
from google.rpc import error_details_pb2, status_pb2

from clinic.v1 import athletes_pb2, athletes_pb2_grpc, bookings_pb2, bookings_pb2_grpc
from clinic.v1 import common_pb2, therapists_pb2, therapists_pb2_grpc

# Retry UNAVAILABLE (a restarting server, a dropped connection) inside gRPC.
# Safe for ReserveSlot only because every reservation carries a request_id.
SERVICE_CONFIG = json.dumps({"methodConfig": [{
    "name": [{"service": "clinic.v1.BookingService"},
             {"service": "clinic.v1.AthleteService"},
             {"service": "clinic.v1.TherapistService"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.2s", "maxBackoff": "2s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]},
}]})


def rich_status(err):
    """The google.rpc.Status clinicd puts in the trailers of every error."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return status_pb2.Status(code=err.code().value[0], message=err.details() or "")


def detail(status, message_type):
    """The first detail of that type in a google.rpc.Status, or None."""
    for any_detail in status.details:
        if any_detail.Is(message_type.DESCRIPTOR):
            found = message_type()
            any_detail.Unpack(found)
            return found
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", default=os.environ.get("CLINIC_SERVER", "127.0.0.1:50051"))
    p.add_argument("--token", default=os.environ.get("CLINIC_TOKEN"), help="or CLINIC_TOKEN")
    p.add_argument("--therapist", help="an existing therapist id (default: make one)")
    p.add_argument("--athlete", help="an existing athlete id with a race ahead (default: make one)")
    p.add_argument("--timeout", type=float, default=10, help="deadline of each call, seconds")
    args = p.parse_args()
    if not args.token:
        p.error("give --token or set CLINIC_TOKEN")

    channel = grpc.insecure_channel(args.server, options=[
        ("grpc.enable_retries", 1), ("grpc.service_config", SERVICE_CONFIG)])
    therapists = therapists_pb2_grpc.TherapistServiceStub(channel)
    athletes = athletes_pb2_grpc.AthleteServiceStub(channel)
    bookings = bookings_pb2_grpc.BookingServiceStub(channel)
    auth = (("authorization", "Bearer " + args.token),)

    def call(method, request):
        return method(request, timeout=args.timeout, metadata=auth)

    if args.therapist:
        therapist = call(therapists.GetTherapist, therapists_pb2.GetTherapistRequest(id=args.therapist))
    else:  # works every day 09:00-18:00 at the only clinic
        hours = [therapists_pb2.WorkingHours(day=day, start=therapists_pb2.TimeOfDay(hours=9),
                                             end=therapists_pb2.TimeOfDay(hours=18))
                 for day in range(therapists_pb2.MONDAY, therapists_pb2.SUNDAY + 1)]
        therapist = call(therapists.CreateTherapist, therapists_pb2.CreateTherapistRequest(
            therapist=therapists_pb2.Therapist(display_name="Ana Costa", working_hours=hours,
                                               modalities=[common_pb2.DEEP_TISSUE, common_pb2.SPORTS])))
    therapist_id = therapist.id

    # Times are UTC instants; choose them in the zone of the therapist's clinic.
    rules = call(bookings.GetRules, bookings_pb2.GetRulesRequest(clinic_id=therapist.clinic_id))
    zone = ZoneInfo(rules.time_zone)

    def local(ts, fmt="%a %-d %b %H:%M %Z"):  # not ts.ToDatetime(tzinfo=zone): wrong across DST
        return datetime.datetime.fromtimestamp(ts.seconds, zone).strftime(fmt)

    if args.athlete:
        athlete_id = args.athlete
        events = call(athletes.ListEvents, athletes_pb2.ListEventsRequest(athlete_id=athlete_id)).events
        races = [e for e in events if e.kind == common_pb2.RACE and e.start_time.seconds > time.time()]
        if not races:
            sys.exit(f"book_session: athlete {athlete_id} has no race ahead")
        race = min(races, key=lambda e: e.start_time.seconds)
    else:
        athlete_id = call(athletes.CreateAthlete, athletes_pb2.CreateAthleteRequest(
            athlete=athletes_pb2.Athlete(display_name="Lee Park", email="lee@example.com"))).id
        race_day = datetime.datetime.now(zone).date() + datetime.timedelta(days=10)
        request = athletes_pb2.AddEventRequest(athlete_id=athlete_id, name="Broad Street Run")
        request.start_time.FromDatetime(datetime.datetime.combine(race_day, datetime.time(7), zone))
        race = call(athletes.AddRace, request).event
    print(f"therapist {therapist_id}, athlete {athlete_id}, race {race.name!r} on {local(race.start_time)}")

    # Deep tissue at 16:00 the day before the race: too close, rejected.
    race_day = datetime.datetime.fromtimestamp(race.start_time.seconds, zone).date()
    session = bookings_pb2.SessionSpec(athlete_id=athlete_id, therapist_id=therapist_id,
                                       modality=common_pb2.DEEP_TISSUE)
    session.start_time.FromDatetime(datetime.datetime.combine(
        race_day - datetime.timedelta(days=1), datetime.time(16), zone))
    try:
        call(bookings.ReserveSlot, bookings_pb2.ReserveSlotRequest(request_id=str(uuid.uuid4()), session=session))
        sys.exit("book_session: expected a rejection, but the session was booked")
    except grpc.RpcError as err:
        status = rich_status(err)
        info = detail(status, error_details_pb2.ErrorInfo)
        rejection = detail(status, bookings_pb2.BookingRejection)
        if err.code() != grpc.StatusCode.FAILED_PRECONDITION or rejection is None or info is None \
                or (info.domain, info.reason) != ("clinic.v1", "RECOVERY_RULE_VIOLATED"):
            raise
    print(f"rejected ({info.reason}): {status.message}")
    for v in rejection.violations:  # rule ids are stable: switch on them, not on the text
        if v.event_id:  # a race or workout too close
            print(f"  violates {v.rule_id}: {common_pb2.EventKind.Name(v.event_kind).lower()} {v.event_name!r}"
                  f" ({v.event_id}) at {local(v.event_start_time)}, needs {v.required_gap.ToSeconds() // 3600} h,"
                  f" has {v.actual_gap.ToSeconds() // 3600} h")
        else:
            print(f"  violates {v.rule_id}: {v.message}")
    for s in rejection.suggestions:
        advice = "".join(f" (warning: {w.rule_id})" for w in s.warnings)
        print(f"  suggested: {local(s.start_time)}-{local(s.end_time, '%H:%M %Z')} with {s.therapist_id}{advice}")
    if not rejection.suggestions:
        sys.exit("book_session: the rejection suggests no slot")

    # Book the first suggestion (the nearest that passes every hard rule: it may
    # be after the race) under our own idempotency key.
    first = rejection.suggestions[0]
    request = bookings_pb2.ReserveSlotRequest(request_id=str(uuid.uuid4()), session=bookings_pb2.SessionSpec(
        athlete_id=athlete_id, therapist_id=first.therapist_id, modality=first.modality, start_time=first.start_time))
    response = call(bookings.ReserveSlot, request)
    booked = response.booking
    print(f"booked {booked.id} at {local(booked.start_time)} (request_id {request.request_id})")
    for w in response.warnings:  # advice only: the session is booked
        print(f"  warning {w.rule_id}: {w.message}")

    # The answer was "lost": send the very same request again.
    again = call(bookings.ReserveSlot, request).booking
    print(f"retry with the same request_id returned {again.id}")
    if again.id != booked.id:
        sys.exit(f"book_session: the retry booked {again.id}, not {booked.id}")


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as err:
        info = detail(rich_status(err), error_details_pb2.ErrorInfo)
        sys.exit(f"book_session: {err.code().name} ({info.reason if info else 'no ErrorInfo'}): {err.details()}")
