// Who may call what: the table of methods and roles, and the caller a
// handler checks ownership against. Rules as data: the table is the whole
// method-level policy; a method missing from it is denied to everyone.
#ifndef CLINIC_SERVICES_AUTH_POLICY_H_
#define CLINIC_SERVICES_AUTH_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/types.h"

namespace clinic::auth {

using core::Id;
using core::Role;

// A set of roles.
class Roles {
 public:
  constexpr Roles() = default;
  constexpr Roles(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  constexpr bool Has(Role r) const { return (bits_ & Bit(r)) != 0; }
  constexpr bool Intersects(Roles other) const {
    return (bits_ & other.bits_) != 0;
  }
  void Add(Role r) { bits_ |= Bit(r); }

 private:
  static constexpr unsigned Bit(Role r) { return 1u << static_cast<int>(r); }
  unsigned bits_ = 0;
};

// "ADMIN", "STAFF", ...
std::string RoleName(Role r);

// The roles a user acts with: a SERVICE's grants, else its role; ADMIN
// also acts as STAFF.
Roles EffectiveRoles(const core::User& user);

// The roles that may call `method` ("clinic.v1.BookingService/ReserveSlot")
// at all; nullopt for a method the table does not name. ATHLETE and
// THERAPIST callers are further limited by the handler to their own records.
std::optional<Roles> RolesFor(absl::string_view method);

// Every method the table names, for tests that check it covers the API.
std::vector<std::string> PolicyMethods();

// An authenticated call of `method`.
class Caller {
 public:
  Caller(core::User user, core::Token token, std::string method);

  const core::User& user() const { return user_; }
  const core::Token& token() const { return token_; }
  const std::string& method() const { return method_; }
  core::Actor actor() const { return {user_.id, token_.id}; }

  // ADMIN or STAFF: may act on any record.
  bool staff() const;
  // The athlete (therapist) the caller acts as, when it has that role.
  std::optional<Id> athlete() const;
  std::optional<Id> therapist() const;

  // PERMISSION_DENIED "role ATHLETE may not call <method> <what>".
  absl::Status Denied(absl::string_view what) const;
  // OK for staff and for the athlete `id` itself; else Denied naming it.
  absl::Status ForAthlete(Id id) const;

  // An ADMIN granted no clinic: manages clinics and users everywhere.
  bool platform_admin() const;
  // Whether the caller's staff powers reach clinic `id`: a platform
  // admin's reach every clinic, other staff's (STAFF, SERVICE, an ADMIN
  // granted clinics) the clinics they are granted. Callers without staff
  // powers (therapists, athletes) are limited to their own records
  // instead, at every clinic.
  bool AtClinic(Id id) const;
  // Whether AtClinic holds for every clinic.
  bool everywhere() const { return !staff() || platform_admin(); }
  // OK when AtClinic(id); else PERMISSION_DENIED naming the clinic.
  absl::Status ForClinic(Id id) const;
  // OK for a platform admin; else PERMISSION_DENIED saying that only one
  // manages `what` ("clinics", "users").
  absl::Status ForPlatform(absl::string_view what) const;
  // The clinic a list of a staff caller covers: `requested` when it is in
  // reach (else ForClinic's error), else 0 (every clinic) for a platform
  // admin and anyone without staff powers, else the only clinic the
  // caller is granted; INVALID_ARGUMENT naming `field` when it has
  // several, PERMISSION_DENIED when none.
  absl::StatusOr<Id> ListScope(Id requested, absl::string_view field) const;

 private:
  core::User user_;
  core::Token token_;
  std::string method_;
  Roles roles_;
};

}  // namespace clinic::auth

#endif  // CLINIC_SERVICES_AUTH_POLICY_H_
