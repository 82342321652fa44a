// Per-caller admission: at most a fixed number of tickets out per key at
// once, so that one caller's flood of heavy reads cannot take every
// worker. Thread-safe.
#ifndef CLINIC_SERVICES_API_ADMISSION_H_
#define CLINIC_SERVICES_API_ADMISSION_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace clinic::api {

class Admission {
 public:
  // Admits one call while it holds it; an empty Ticket admits nothing.
  // Movable; gives its place back when released or destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { Release(); }
    void Release();

   private:
    friend class Admission;
    Ticket(Admission* admission, std::string key)
        : admission_(admission), key_(std::move(key)) {}
    Admission* admission_ = nullptr;
    std::string key_;
  };

  // At most `limit` (at least 1) tickets out per key. Must outlive them.
  explicit Admission(int limit) : limit_(limit < 1 ? 1 : limit) {}

  // A ticket for `key`, or nullopt when `limit` are out for it already.
  std::optional<Ticket> TryAdmit(std::string key);

 private:
  void Release(const std::string& key);

  const int limit_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> out_ ABSL_GUARDED_BY(mu_);
};

}  // namespace clinic::api

#endif  // CLINIC_SERVICES_API_ADMISSION_H_
