// The columns both stores' SELECTs name, in the order their *FromRow
// functions read them: the two schemas keep the same names for the same
// facts.
#ifndef CLINIC_SERVICES_STORAGE_COLUMNS_H_
#define CLINIC_SERVICES_STORAGE_COLUMNS_H_

namespace clinic::storage {

inline constexpr char kEventColumns[] =
    "id, athlete_id, kind, name, start_us, end_us";
inline constexpr char kInjuryColumns[] =
    "id, athlete_id, region, note, since_us, resolved_us";
inline constexpr char kBookingColumns[] =
    "id, athlete_id, therapist_id, modality, start_us, end_us, state, "
    "request_id, request_hash, at_risk, at_risk_reason, cancel_reason, "
    "create_us, update_us, request_user_id, clinic_id";
inline constexpr char kClinicColumns[] =
    "id, name, time_zone, rules, create_us";
inline constexpr char kUserColumns[] =
    "id, name, role, therapist_id, athlete_id, disabled, create_us";
inline constexpr char kTokenColumns[] =
    "id, user_id, hash, label, create_us, revoke_us";
inline constexpr char kAuditEventColumns[] =
    "id, time_us, user_id, token_id, action, target, detail";

}  // namespace clinic::storage

#endif  // CLINIC_SERVICES_STORAGE_COLUMNS_H_
