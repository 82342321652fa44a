// Runs the real clinicctl binary as staff would: its own process, a clean
// environment, stdout, stderr and the exit code captured separately.
#ifndef CLINIC_TESTS_E2E_CLINICCTL_RUNNER_H_
#define CLINIC_TESTS_E2E_CLINICCTL_RUNNER_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/clinicd_process.h"

namespace clinic::testing {

struct CliResult {
  // The exit status; 128 + N when signal N ended the process (139 for a
  // segmentation fault), -1 when it could not be run or had to be killed.
  int exit_code = -1;
  std::string out;  // everything written to stdout
  std::string err;  // everything written to stderr
};

// Prints the result for failure messages.
std::ostream& operator<<(std::ostream& os, const CliResult& r);

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// Runs clinicctl with `args` and an environment holding only `env` plus
// TZ=Asia/Tokyo and CLINIC_TOKEN=kAdminToken (unless `env` sets them), so
// nothing of the test machine's
// zone or CLINIC_* settings leaks in. stdin is /dev/null. A run that has
// not finished after 60 s is killed (a hang, not a result).
CliResult RunClinicctl(const std::vector<std::string>& args,
                       const EnvVars& env = {});

// Runs the program at `binary` with `args` and exactly the environment
// `env`, otherwise as RunClinicctl does.
CliResult RunProgram(const std::string& binary,
                     const std::vector<std::string>& args, const EnvVars& env);

// The last line of `text` without its newline; "" when there is none.
std::string LastLine(const std::string& text);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_E2E_CLINICCTL_RUNNER_H_
