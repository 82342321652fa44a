// Everything clinicd's API shows of its store, as text: tests take one
// before and after a call to assert that the call changed nothing.
#ifndef CLINIC_TESTS_INTEGRATION_STORE_SNAPSHOT_H_
#define CLINIC_TESTS_INTEGRATION_STORE_SNAPSHOT_H_

#include <string>
#include <utility>
#include <vector>

#include "clinic/v1/clinics.grpc.pb.h"
#include "clinic/v1/users.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/clinicd_process.h"
#include "tests/integration/clinicd_test_base.h"

namespace clinic::testing {
namespace snapshot_internal {

// Calls `rpc` (as ADMIN) for every page of `req`, appends each response to
// *text and returns the responses.
template <typename Resp, typename Req, typename Rpc>
std::vector<Resp> AllPages(Req req, Rpc rpc, std::string* text) {
  std::vector<Resp> pages;
  req.set_page_size(500);
  do {
    Resp page;
    const grpc::Status s = rpc(Ctx().get(), req, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    *text += page.DebugString();
    req.set_page_token(page.next_page_token());
    pages.push_back(std::move(page));
  } while (!req.page_token().empty());
  return pages;
}

}  // namespace snapshot_internal

// Read as ADMIN: clinics with their rules, therapists with their time off,
// athletes with their
// injuries, every athlete's events, every booking (cancelled too), users,
// every user's tokens and the audit log.
inline std::string StoreSnapshot(ClinicdProcess& server) {
  using snapshot_internal::AllPages;
  std::string text;
  auto clinics = v1::ClinicService::NewStub(server.channel());
  AllPages<v1::ListClinicsResponse>(
      v1::ListClinicsRequest(),
      [&](auto* ctx, const auto& req, auto* out) {
        return clinics->ListClinics(ctx, req, out);
      },
      &text);
  AllPages<v1::ListTherapistsResponse>(
      v1::ListTherapistsRequest(),
      [&](auto* ctx, const auto& req, auto* out) {
        return server.therapists().ListTherapists(ctx, req, out);
      },
      &text);
  const std::vector<v1::ListAthletesResponse> athletes =
      AllPages<v1::ListAthletesResponse>(
          v1::ListAthletesRequest(),
          [&](auto* ctx, const auto& req, auto* out) {
            return server.athletes().ListAthletes(ctx, req, out);
          },
          &text);
  for (const v1::ListAthletesResponse& page : athletes) {
    for (const v1::Athlete& a : page.athletes()) {
      v1::ListEventsRequest req;
      req.set_athlete_id(a.id());
      v1::ListEventsResponse events;
      EXPECT_TRUE(server.athletes().ListEvents(Ctx().get(), req, &events).ok());
      text += events.DebugString();
    }
  }
  v1::ListBookingsRequest bookings;
  bookings.set_include_cancelled(true);
  AllPages<v1::ListBookingsResponse>(
      bookings,
      [&](auto* ctx, const auto& req, auto* out) {
        return server.bookings().ListBookings(ctx, req, out);
      },
      &text);

  auto users_stub = v1::UserService::NewStub(server.channel());
  v1::UserService::Stub& users = *users_stub;
  const std::vector<v1::ListUsersResponse> user_pages =
      AllPages<v1::ListUsersResponse>(
          v1::ListUsersRequest(),
          [&](auto* ctx, const auto& req, auto* out) {
            return users.ListUsers(ctx, req, out);
          },
          &text);
  for (const v1::ListUsersResponse& page : user_pages) {
    for (const v1::User& u : page.users()) {
      v1::ListTokensRequest req;
      req.set_user_id(u.id());
      v1::ListTokensResponse tokens;
      EXPECT_TRUE(users.ListTokens(Ctx().get(), req, &tokens).ok());
      text += tokens.DebugString();
    }
  }
  AllPages<v1::ListAuditEventsResponse>(
      v1::ListAuditEventsRequest(),
      [&](auto* ctx, const auto& req, auto* out) {
        return users.ListAuditEvents(ctx, req, out);
      },
      &text);
  return text;
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_STORE_SNAPSHOT_H_
