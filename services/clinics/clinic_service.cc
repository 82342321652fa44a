#include "services/clinics/clinic_service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/api/convert.h"
#include "services/api/rules_text.h"
#include "services/api/status.h"
#include "services/api/unary.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace clinic {
namespace {

using api::Authorized;
using api::IdFromProto;
using core::IdKind;

constexpr auto Method = &api::MethodName<v1::ClinicService>;

constexpr const char* kClinicFields[] = {"display_name", "time_zone", "rules"};

void ToProto(const Local& c, v1::Clinic* out) {
  out->set_id(core::FormatId(IdKind::kClinic, c.info.id));
  out->set_display_name(c.info.name);
  out->set_time_zone(c.info.time_zone);
  api::ToProto(c.rules, out->mutable_rules());
  out->mutable_rules()->set_time_zone(c.info.time_zone);
  api::ToProto(c.info.create_time, out->mutable_create_time());
}

// The fields an update names: the mask's, or those set in `in` when the
// mask is empty.
std::vector<std::string> UpdatePaths(const google::protobuf::FieldMask& mask,
                                     const v1::Clinic& in) {
  if (std::find(mask.paths().begin(), mask.paths().end(), "*") !=
      mask.paths().end()) {
    return {std::begin(kClinicFields), std::end(kClinicFields)};
  }
  if (!mask.paths().empty()) return {mask.paths().begin(), mask.paths().end()};
  std::vector<std::string> present;
  if (!in.display_name().empty()) present.push_back("display_name");
  if (!in.time_zone().empty()) present.push_back("time_zone");
  if (in.has_rules()) present.push_back("rules");
  return present;
}

// Copies field `path` of `in` into `out`, checked; rules are set over
// `base`.
absl::Status ApplyField(const v1::Clinic& in, const std::string& path,
                        const core::RuleTable& base, core::ClinicInfo* out) {
  if (path == "display_name") {
    CLINIC_RETURN_IF_ERROR(
        api::CheckName(in.display_name(), "clinic.display_name"));
    out->name = in.display_name();
  } else if (path == "time_zone") {
    absl::TimeZone zone;
    if (in.time_zone().empty()) {
      return api::InvalidField("clinic.time_zone", "is required");
    }
    if (!absl::LoadTimeZone(in.time_zone(), &zone)) {
      return api::InvalidField(
          "clinic.time_zone",
          absl::StrCat("\"", core::Excerpt(in.time_zone()),
                       "\" is not a known time zone (an IANA name such as "
                       "Europe/London)"));
    }
    out->time_zone = in.time_zone();
  } else if (path == "rules") {
    absl::StatusOr<core::RuleTable> rules =
        api::RulesFromProto(in.rules(), base);
    if (!rules.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("clinic.rules: ", rules.status().message()));
    }
    out->rules = api::RuleSetText(*rules);
  } else {
    return api::InvalidField(
        "update_mask",
        absl::StrCat("\"", core::Excerpt(path),
                     "\" is not a field of a clinic one may change "
                     "(display_name, time_zone, rules)"));
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* ClinicService::CreateClinic(
    grpc::CallbackServerContext* ctx, const v1::CreateClinicRequest* req,
    v1::Clinic* resp) {
  return Authorized(
      ctx, *accounts_, Method("CreateClinic"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("clinics"));
        const core::RuleTable defaults = core::RuleTable::Defaults();
        core::ClinicInfo c;
        c.rules = api::RuleSetText(defaults);
        for (const char* path : kClinicFields) {
          if (std::string(path) == "rules" && !req->clinic().has_rules()) {
            continue;
          }
          CLINIC_RETURN_IF_ERROR(ApplyField(req->clinic(), path, defaults, &c));
        }
        CLINIC_ASSIGN_OR_RETURN(c, clinic_->CreateClinic(c, caller.actor()));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                clinic_->LocalOf(c.id));
        ToProto(*local, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ClinicService::GetClinic(
    grpc::CallbackServerContext* ctx, const v1::GetClinicRequest* req,
    v1::Clinic* resp) {
  return Authorized(
      ctx, *accounts_, Method("GetClinic"),
      [=](const auth::Caller&) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(core::Id id,
                                IdFromProto(IdKind::kClinic, req->id(), "id"));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                clinic_->LocalOf(id));
        ToProto(*local, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ClinicService::ListClinics(
    grpc::CallbackServerContext* ctx, const v1::ListClinicsRequest* req,
    v1::ListClinicsResponse* resp) {
  return Authorized(
      ctx, *accounts_, Method("ListClinics"),
      [=](const auth::Caller&) -> absl::Status {
        CLINIC_ASSIGN_OR_RETURN(
            storage::PageRequest page,
            api::IdPageFromProto(req->page_size(), req->page_token()));
        CLINIC_ASSIGN_OR_RETURN(std::vector<core::ClinicInfo> list,
                                clinic_->ListClinics(page));
        const bool trimmed = api::TrimPage(list, page.limit);
        for (const core::ClinicInfo& c : list) {
          CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                  clinic_->LocalOf(c.id));
          ToProto(*local, resp->add_clinics());
        }
        if (trimmed) {
          resp->set_next_page_token(api::IdPageToken(list.back().id));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ClinicService::UpdateClinic(
    grpc::CallbackServerContext* ctx, const v1::UpdateClinicRequest* req,
    v1::Clinic* resp) {
  return Authorized(
      ctx, *accounts_, Method("UpdateClinic"),
      [=](const auth::Caller& caller) -> absl::Status {
        CLINIC_RETURN_IF_ERROR(caller.ForPlatform("clinics"));
        CLINIC_ASSIGN_OR_RETURN(
            core::Id id,
            IdFromProto(IdKind::kClinic, req->clinic().id(), "clinic.id"));
        const std::vector<std::string> paths =
            UpdatePaths(req->update_mask(), req->clinic());
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> before,
                                clinic_->LocalOf(id));
        CLINIC_ASSIGN_OR_RETURN(
            const core::ClinicInfo c,
            clinic_->UpdateClinic(
                id,
                [&](core::ClinicInfo& c) -> absl::Status {
                  for (const std::string& path : paths) {
                    CLINIC_RETURN_IF_ERROR(
                        ApplyField(req->clinic(), path, before->rules, &c));
                  }
                  return absl::OkStatus();
                },
                caller.actor()));
        CLINIC_ASSIGN_OR_RETURN(const std::shared_ptr<const Local> local,
                                clinic_->LocalOf(c.id));
        ToProto(*local, resp);
        return absl::OkStatus();
      });
}

}  // namespace clinic
