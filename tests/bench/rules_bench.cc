// The rules engine on athletes with 10, 1,000 and 10,000 events: one
// Evaluate of a session in the middle of the calendar. The cost must grow
// no faster than log n (the engine binary-searches the calendar).
#include <vector>

#include "benchmark/benchmark.h"
#include "services/core/rule_table.h"
#include "services/core/rules.h"

namespace clinic::core {
namespace {

void BM_Evaluate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const absl::TimeZone zone = absl::UTCTimeZone();
  const RuleTable rules = RuleTable::Defaults();
  const absl::Time base = absl::FromCivil(absl::CivilDay(2030, 1, 7), zone);

  // A hard event every 3 days at 07:00, the session in the middle of them.
  std::vector<Event> events;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.id = i + 1;
    e.kind = i % 2 ? EventKind::kRace : EventKind::kHardWorkout;
    e.name = "Event";
    e.start = base + absl::Hours(72 * i + 7);
    e.end = e.start + absl::Hours(2);
    events.push_back(e);
  }
  const Calendar calendar(std::move(events));
  Therapist therapist;
  therapist.id = 1;
  therapist.name = "Maya";
  therapist.modalities = {Modality::kDeepTissue, Modality::kSports};
  for (int d = 0; d < 7; ++d) {
    therapist.hours.push_back({static_cast<absl::Weekday>(d), 0, 24 * 60});
  }
  Athlete athlete;
  athlete.id = 1;
  athlete.name = "Jordan";

  BookingContext ctx;
  ctx.therapist = &therapist;
  ctx.athlete = &athlete;
  ctx.calendar = &calendar;
  SessionRequest session;
  session.modality = Modality::kSports;
  session.start = base + absl::Hours(72 * (n / 2) + 30);  // a day after one
  session.end = session.start + absl::Hours(1);
  ctx.now = session.start - absl::Hours(24);

  for (auto _ : state) {
    Verdict v = Evaluate(rules, zone, session, ctx);
    benchmark::DoNotOptimize(v);
  }
  state.SetComplexityN(n);
}
BENCHMARK(BM_Evaluate)->Arg(10)->Arg(1000)->Arg(10000)->Complexity();

}  // namespace
}  // namespace clinic::core

BENCHMARK_MAIN();
