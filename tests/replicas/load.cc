#include "tests/replicas/load.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "tests/replicas/replicas_fixture.h"

namespace clinic::testing {
namespace {

// Keeps request ids of successive Loads in one process apart.
std::atomic<int> load_count{0};

}  // namespace

int64_t LoadReport::error_count() const {
  int64_t n = 0;
  for (const auto& [code, count] : errors) n += count;
  return n;
}

std::string LoadReport::Summary() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::string codes;
  for (const auto& [code, count] : errors) {
    absl::StrAppend(&codes, codes.empty() ? "" : ", ", "code ", code, ": ",
                    count);
  }
  return absl::StrFormat(
      "%d reservations and %d calls in %.1f s (%.0f attempts/s): %d booked "
      "(%.1f/s), %d rejected by a rule, %d other errors {%s}, %d "
      "unanswered",
      reservations, calls.size(), seconds,
      static_cast<double>(reservations) / seconds, booked.size(),
      static_cast<double>(booked.size()) / seconds, rejected, error_count(),
      codes, unanswered.size());
}

Load::Load(std::vector<std::string> addresses, LoadOptions options)
    : addresses_(std::move(addresses)),
      options_(std::move(options)),
      id_(load_count++),
      start_(absl::Now()) {
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this, i] { RunClient(i); });
  }
}

Load::~Load() {
  if (!threads_.empty()) Stop();
}

LoadReport Load::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  absl::MutexLock lock(&mu_);
  report_.elapsed = absl::Now() - start_;
  return report_;
}

void Load::RunClient(int index) {
  const int n = static_cast<int>(addresses_.size());
  std::vector<std::unique_ptr<Stubs>> stubs;
  for (const std::string& address : addresses_) {
    stubs.push_back(std::make_unique<Stubs>(address));
  }
  std::mt19937 rng(static_cast<uint32_t>(index * 7919 + id_));
  int replica = index % n;
  LoadReport mine;
  for (int64_t seq = 0; !stop_; ++seq) {
    v1::ReserveSlotRequest req;
    const std::string request_id =
        absl::StrCat("load-", getpid(), "-", id_, "-", index, "-", seq);
    req.set_request_id(request_id);
    *req.mutable_session() = options_.next_session(rng);
    ++mine.reservations;
    for (int attempt = 1;; ++attempt) {
      v1::ReserveSlotResponse out;
      const absl::Time start = absl::Now();
      const grpc::Status s = stubs[replica]->bookings->ReserveSlot(
          CallContext(options_.call_deadline).get(), req, &out);
      const absl::Time end = absl::Now();
      mine.calls.push_back({start, end - start, s.error_code(), replica});
      if (s.ok()) {
        mine.booked[request_id] = out.booking().id();
        mine.booked_at.push_back(end);
        break;
      }
      if (IsRuleRejection(s)) {
        ++mine.rejected;
        break;
      }
      ++mine.errors[s.error_code()];
      if (mine.first_error.empty()) {
        mine.first_error =
            absl::StrCat("code ", s.error_code(), " from ", addresses_[replica],
                         ": ", s.error_message());
      }
      if (!IsUnanswered(s)) break;
      if (!options_.retry || stop_) {
        mine.unanswered.insert(request_id);
        break;
      }
      replica = (replica + 1) % n;
      absl::SleepFor(absl::Milliseconds(std::min(200, 20 * attempt)));
    }
  }
  absl::MutexLock lock(&mu_);
  report_.reservations += mine.reservations;
  report_.booked.merge(mine.booked);
  report_.booked_at.insert(report_.booked_at.end(), mine.booked_at.begin(),
                           mine.booked_at.end());
  report_.rejected += mine.rejected;
  for (const auto& [code, count] : mine.errors) report_.errors[code] += count;
  if (report_.first_error.empty()) report_.first_error = mine.first_error;
  report_.unanswered.merge(mine.unanswered);
  report_.calls.insert(report_.calls.end(), mine.calls.begin(),
                       mine.calls.end());
}

std::vector<std::string> CompareWithTable(const LoadReport& report,
                                          const TestDatabase& db, int* lost) {
  *lost = 0;
  std::vector<std::string> differences;
  const auto rows = db.Query(
      "SELECT 'bk_' || id, COALESCE(request_id, ''), state FROM bookings");
  if (!rows.ok()) {
    return {absl::StrCat("cannot read bookings: ", rows.status().ToString())};
  }
  std::map<std::string, std::vector<std::string>> ids_by_request;
  std::map<std::string, std::string> confirmed;  // id -> request_id
  for (const auto& row : *rows) {
    ids_by_request[row[1]].push_back(row[0]);
    if (row[2] == "1") confirmed[row[0]] = row[1];
  }
  std::set<std::string> acknowledged;
  for (const auto& [request_id, id] : report.booked) {
    acknowledged.insert(id);
    const std::vector<std::string>& ids = ids_by_request[request_id];
    if (ids != std::vector<std::string>{id}) {
      differences.push_back(
          absl::StrCat("request ", request_id, " was acknowledged as ", id,
                       " but the table holds ", ids.size(),
                       " bookings for it (", absl::StrJoin(ids, ", "), ")"));
    } else if (confirmed.count(id) == 0) {
      differences.push_back(absl::StrCat("acknowledged booking ", id,
                                         " is not confirmed in the table"));
    }
  }
  for (const auto& [id, request_id] : confirmed) {
    if (acknowledged.count(id) > 0) continue;
    if (report.unanswered.count(request_id) > 0) {
      ++*lost;
    } else {
      differences.push_back(absl::StrCat(
          "booking ", id, " (request ", request_id,
          ") is confirmed, but no client saw it booked or lost its reply"));
    }
  }
  return differences;
}

std::vector<std::string> OverlappingSessions(const TestDatabase& db) {
  // Pairs of confirmed sessions with the same `owner` whose time ranges,
  // each extended by `extra` after its end, intersect.
  const auto pairs = [](const std::string& owner, const std::string& extra) {
    return absl::StrCat(
        "SELECT '", owner, " ' || a.", owner, "_id || ': bk_' || a.id || ' [' ",
        "|| a.start_us || ', ' || a.end_us || ') and bk_' || b.id || ' [' || ",
        "b.start_us || ', ' || b.end_us || ')' FROM bookings a JOIN bookings "
        "b ",
        "ON a.", owner, "_id = b.", owner, "_id AND a.id < b.id ",
        "WHERE a.state = 1 AND b.state = 1 AND a.start_us < b.end_us", extra,
        " AND b.start_us < a.end_us",
        absl::StrReplaceAll(extra, {{"b.", "a."}}));
  };
  const auto rows =
      db.Query(absl::StrCat(pairs("athlete", ""), " UNION ALL ",
                            pairs("therapist", " + b.buffer_us"), " LIMIT 20"));
  if (!rows.ok()) {
    return {absl::StrCat("cannot read bookings: ", rows.status().ToString())};
  }
  std::vector<std::string> out;
  for (const auto& row : *rows) out.push_back(row[0]);
  return out;
}

}  // namespace clinic::testing
