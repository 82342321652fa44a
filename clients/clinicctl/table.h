// Aligned plain-text tables for clinicctl's output.
#ifndef CLINIC_CLIENTS_CLINICCTL_TABLE_H_
#define CLINIC_CLIENTS_CLINICCTL_TABLE_H_

#include <string>
#include <vector>

namespace clinic::cli {

// Columns are left-aligned and separated by two spaces; widths count
// Unicode code points, so names with accents or emoji align. A cell longer
// than its column's limit is cut to the limit, its last code point replaced
// by "…"; nothing wraps. Newlines and tabs in cells print as spaces. The
// last column is not padded, so no line ends in blanks.
class Table {
 public:
  explicit Table(std::vector<std::string> header);

  // Cells beyond the header's count are dropped; missing ones are empty.
  void AddRow(std::vector<std::string> cells);
  // At most `width` (>= 2) code points in `column`; 32 unless set.
  void SetMaxWidth(int column, int width);
  bool empty() const { return rows_.empty(); }

  // Header line, then one line per row, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> max_width_;
};

}  // namespace clinic::cli

#endif  // CLINIC_CLIENTS_CLINICCTL_TABLE_H_
