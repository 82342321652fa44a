#include "services/auth/policy.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/error_reason.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"

namespace clinic::auth {
namespace {

constexpr Role kAdmin = Role::kAdmin;
constexpr Role kStaff = Role::kStaff;
constexpr Role kTherapist = Role::kTherapist;
constexpr Role kAthlete = Role::kAthlete;

struct MethodRule {
  const char* method;
  Roles roles;
};

// ATHLETE and THERAPIST callers reach only their own records: the handler
// checks whose a record is (an athlete's own; a therapist's own sessions and
// the athletes booked with them).
constexpr Roles kStaffOnly{kAdmin, kStaff};
constexpr Roles kEveryone{kAdmin, kStaff, kTherapist, kAthlete};
constexpr Roles kStaffOrSelf{kAdmin, kStaff, kAthlete};

constexpr MethodRule kTable[] = {
    {"clinic.v1.ClinicService/CreateClinic", {kAdmin}},
    {"clinic.v1.ClinicService/GetClinic", kEveryone},
    {"clinic.v1.ClinicService/ListClinics", kEveryone},
    {"clinic.v1.ClinicService/UpdateClinic", {kAdmin}},

    {"clinic.v1.TherapistService/CreateTherapist", kStaffOnly},
    {"clinic.v1.TherapistService/GetTherapist", kEveryone},
    {"clinic.v1.TherapistService/ListTherapists", kEveryone},
    {"clinic.v1.TherapistService/UpdateTherapist", kStaffOnly},
    {"clinic.v1.TherapistService/AddTimeOff", kStaffOnly},
    {"clinic.v1.TherapistService/DeleteTimeOff", kStaffOnly},

    {"clinic.v1.AthleteService/CreateAthlete", kStaffOnly},
    {"clinic.v1.AthleteService/GetAthlete", kEveryone},
    {"clinic.v1.AthleteService/ListAthletes", kStaffOnly},
    {"clinic.v1.AthleteService/AddRace", kStaffOrSelf},
    {"clinic.v1.AthleteService/AddWorkout", kStaffOrSelf},
    {"clinic.v1.AthleteService/DeleteEvent", kStaffOrSelf},
    {"clinic.v1.AthleteService/ListEvents", kEveryone},
    {"clinic.v1.AthleteService/AddInjury", kStaffOrSelf},
    {"clinic.v1.AthleteService/ResolveInjury", kStaffOrSelf},

    {"clinic.v1.BookingService/CheckBooking", kStaffOrSelf},
    {"clinic.v1.BookingService/ReserveSlot", kStaffOrSelf},
    {"clinic.v1.BookingService/CancelBooking", kStaffOrSelf},
    {"clinic.v1.BookingService/RescheduleBooking", kStaffOrSelf},
    {"clinic.v1.BookingService/GetBooking", kEveryone},
    {"clinic.v1.BookingService/ListBookings", kEveryone},
    {"clinic.v1.BookingService/GetRules", kEveryone},
    {"clinic.v1.BookingService/ListAvailableSlots", kEveryone},

    {"clinic.v1.UserService/CreateUser", {kAdmin}},
    {"clinic.v1.UserService/GetUser", {kAdmin}},
    {"clinic.v1.UserService/ListUsers", {kAdmin}},
    {"clinic.v1.UserService/DisableUser", {kAdmin}},
    {"clinic.v1.UserService/CreateToken", {kAdmin}},
    {"clinic.v1.UserService/ListTokens", {kAdmin}},
    {"clinic.v1.UserService/RevokeToken", {kAdmin}},
    {"clinic.v1.UserService/WhoAmI", kEveryone},
    {"clinic.v1.UserService/ListAuditEvents", kStaffOnly},
};

}  // namespace

std::string RoleName(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "ADMIN";
    case Role::kStaff:
      return "STAFF";
    case Role::kTherapist:
      return "THERAPIST";
    case Role::kAthlete:
      return "ATHLETE";
    case Role::kService:
      return "SERVICE";
  }
  return "UNKNOWN";
}

Roles EffectiveRoles(const core::User& user) {
  Roles roles;
  if (user.role == Role::kService) {
    for (Role r : user.granted) roles.Add(r);
  } else {
    roles.Add(user.role);
  }
  if (roles.Has(kAdmin)) roles.Add(kStaff);
  return roles;
}

std::optional<Roles> RolesFor(absl::string_view method) {
  for (const MethodRule& rule : kTable) {
    if (rule.method == method) return rule.roles;
  }
  return std::nullopt;
}

std::vector<std::string> PolicyMethods() {
  std::vector<std::string> methods;
  for (const MethodRule& rule : kTable) methods.push_back(rule.method);
  return methods;
}

Caller::Caller(core::User user, core::Token token, std::string method)
    : user_(std::move(user)),
      token_(std::move(token)),
      method_(std::move(method)),
      roles_(EffectiveRoles(user_)) {}

bool Caller::staff() const { return roles_.Has(kStaff); }

std::optional<Id> Caller::athlete() const {
  if (!roles_.Has(kAthlete) || user_.athlete_id == 0) return std::nullopt;
  return user_.athlete_id;
}

std::optional<Id> Caller::therapist() const {
  if (!roles_.Has(kTherapist) || user_.therapist_id == 0) return std::nullopt;
  return user_.therapist_id;
}

absl::Status Caller::Denied(absl::string_view what) const {
  std::string role = RoleName(user_.role);
  if (user_.role == Role::kService) {
    std::vector<std::string> granted;
    for (Role r : user_.granted) granted.push_back(RoleName(r));
    absl::StrAppend(&role, " (granted ", absl::StrJoin(granted, ", "), ")");
  }
  return core::WithReason(
      absl::PermissionDeniedError(absl::StrCat("role ", role, " may not call ",
                                               method_, what.empty() ? "" : " ",
                                               what)),
      {"PERMISSION_DENIED", {{"role", role}, {"method", method_}}});
}

bool Caller::platform_admin() const {
  return user_.role == Role::kAdmin && user_.clinics.empty();
}

bool Caller::AtClinic(Id id) const {
  if (everywhere()) return true;
  return std::binary_search(user_.clinics.begin(), user_.clinics.end(), id);
}

absl::Status Caller::ForClinic(Id id) const {
  if (AtClinic(id)) return absl::OkStatus();
  return Denied(
      absl::StrCat("at clinic ", core::FormatId(core::IdKind::kClinic, id)));
}

absl::Status Caller::ForPlatform(absl::string_view what) const {
  if (platform_admin()) return absl::OkStatus();
  return Denied(absl::StrCat(
      "(only an ADMIN granted no clinic, a platform admin, manages ", what,
      ")"));
}

absl::StatusOr<Id> Caller::ListScope(Id requested,
                                     absl::string_view field) const {
  if (requested != 0) {
    CLINIC_RETURN_IF_ERROR(ForClinic(requested));
    return requested;
  }
  if (everywhere()) return Id{0};
  if (user_.clinics.size() == 1) return user_.clinics.front();
  if (user_.clinics.empty()) {
    return Denied("at any clinic (it is granted none)");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": a clinic id is required of a caller granted several clinics"));
}

absl::Status Caller::ForAthlete(Id id) const {
  if (staff() || athlete() == id) return absl::OkStatus();
  return Denied(
      absl::StrCat("for athlete ", core::FormatId(core::IdKind::kAthlete, id)));
}

}  // namespace clinic::auth
