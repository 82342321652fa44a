// What the ReserveSlot benchmarks share: a clinicd seeded with therapists
// and athletes, and a stream of free, non-overlapping sessions to reserve.
#ifndef CLINIC_TESTS_BENCH_BENCH_FIXTURE_H_
#define CLINIC_TESTS_BENCH_BENCH_FIXTURE_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "tests/integration/clinicd_process.h"

namespace clinic::testing {

// The servers a benchmark binary shares: made on first use, which must be
// on the main thread (its servers die with the thread that started them;
// a benchmark's single-threaded run comes first), and stopped, their
// folders removed, by RunBenchmarks before the binary exits.
template <typename Fixture>
std::unique_ptr<Fixture>& FixtureHolder() {
  static auto* const holder = new std::unique_ptr<Fixture>;
  return *holder;
}
template <typename Fixture>
Fixture& Shared() {
  std::unique_ptr<Fixture>& fixture = FixtureHolder<Fixture>();
  if (fixture == nullptr) fixture = std::make_unique<Fixture>();
  return *fixture;
}
template <typename Fixture>
int RunBenchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  FixtureHolder<Fixture>().reset();
  return 0;
}

// Starts `server` with `flags`, or aborts the benchmark with its stderr.
inline ClinicdProcess& StartOrDie(ClinicdProcess& server,
                                  const std::vector<std::string>& flags) {
  std::string error;
  if (!server.Start(flags, &error)) {
    std::fprintf(stderr, "clinicd did not start: %s\n", error.c_str());
    std::abort();
  }
  return server;
}

// kTherapists therapists, each paired with an athlete, open Mon-Sat
// 08:00-20:00, created through a clinicd started with --timezone=UTC; then
// as many free sessions as the booking horizon holds, each once.
// Thread-safe after construction.
class FreeSlots {
 public:
  static constexpr int kTherapists = 200;

  explicit FreeSlots(ClinicdProcess& server) {
    for (int i = 0; i < kTherapists; ++i) {
      grpc::ClientContext c1, c2;
      Authorize(c1);
      Authorize(c2);
      v1::CreateTherapistRequest t;
      t.mutable_therapist()->set_display_name("Therapist " + std::to_string(i));
      t.mutable_therapist()->add_modalities(v1::SPORTS);
      for (int d = v1::MONDAY; d <= v1::SATURDAY; ++d) {
        auto* h = t.mutable_therapist()->add_working_hours();
        h->set_day(static_cast<v1::DayOfWeek>(d));
        h->mutable_start()->set_hours(8);
        h->mutable_end()->set_hours(20);
      }
      v1::Therapist therapist;
      v1::Athlete athlete;
      v1::CreateAthleteRequest a;
      a.mutable_athlete()->set_display_name("Athlete " + std::to_string(i));
      if (!server.therapists().CreateTherapist(&c1, t, &therapist).ok() ||
          !server.athletes().CreateAthlete(&c2, a, &athlete).ok()) {
        std::fprintf(stderr, "seeding clinicd failed\n");
        std::abort();
      }
      therapists_.push_back(therapist.id());
      athletes_.push_back(athlete.id());
    }
    first_day_ = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 1;
    while (absl::GetWeekday(first_day_) != absl::Weekday::monday) ++first_day_;
  }

  // A free slot: therapist k % n with its athlete, the k / n-th 75-minute
  // step of its working weeks (60 min session + 15 min turnover), 9 a day,
  // Mon-Sat. Request ids are distinct.
  v1::ReserveSlotRequest Next() {
    const int64_t k = next_++;
    const int64_t step = k / kTherapists;
    const int64_t day = step / 9, in_day = step % 9;
    const absl::CivilDay d = first_day_ + day / 6 * 7 + day % 6;
    v1::ReserveSlotRequest req;
    req.set_request_id("bench-" + std::to_string(k));
    v1::SessionSpec* s = req.mutable_session();
    s->set_therapist_id(therapists_[k % kTherapists]);
    s->set_athlete_id(athletes_[k % kTherapists]);
    s->set_modality(v1::SPORTS);
    const absl::Time start = absl::FromCivil(
        absl::CivilMinute(d) + 8 * 60 + 75 * in_day, absl::UTCTimeZone());
    s->mutable_start_time()->set_seconds(absl::ToUnixSeconds(start));
    return req;
  }

 private:
  std::vector<std::string> therapists_, athletes_;
  absl::CivilDay first_day_;
  std::atomic<int64_t> next_{0};
};

// Reserves slots.Next() through `bookings` as the admin.
inline grpc::Status ReserveNext(v1::BookingService::Stub& bookings,
                                FreeSlots& slots) {
  const v1::ReserveSlotRequest req = slots.Next();
  grpc::ClientContext ctx;
  Authorize(ctx);
  v1::ReserveSlotResponse out;
  return bookings.ReserveSlot(&ctx, req, &out);
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_BENCH_BENCH_FIXTURE_H_
