#include "clients/clinicctl/table.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace clinic::cli {
namespace {

constexpr int kDefaultMaxWidth = 32;

bool StartsCodePoint(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}

int Width(const std::string& s) {
  return static_cast<int>(std::count_if(s.begin(), s.end(), StartsCodePoint));
}

// `cell` on one line, cut to at most `limit` code points.
std::string Fit(std::string cell, int limit) {
  for (char& c : cell) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (Width(cell) <= limit) return cell;
  int kept = 0;
  size_t cut = 0;
  for (; cut < cell.size(); ++cut) {
    if (StartsCodePoint(cell[cut]) && kept++ == limit - 1) break;
  }
  cell.resize(cut);
  return cell + "\u2026";
}

}  // namespace

Table::Table(std::vector<std::string> header)
    : header_(std::move(header)),
      max_width_(header_.size(), kDefaultMaxWidth) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

void Table::SetMaxWidth(int column, int width) {
  if (column < 0 || column >= static_cast<int>(max_width_.size())) return;
  max_width_[column] = std::max(width, 2);
}

std::string Table::Render() const {
  std::vector<std::vector<std::string>> lines;
  lines.reserve(rows_.size() + 1);
  for (size_t r = 0; r <= rows_.size(); ++r) {
    const std::vector<std::string>& cells = r == 0 ? header_ : rows_[r - 1];
    std::vector<std::string>& line = lines.emplace_back();
    for (size_t i = 0; i < cells.size(); ++i) {
      line.push_back(Fit(cells[i], max_width_[i]));
    }
  }
  std::vector<int> widths(header_.size(), 0);
  for (const std::vector<std::string>& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], Width(line[i]));
    }
  }
  std::string out;
  for (const std::vector<std::string>& line : lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text.append(widths[i] - Width(line[i]) + 2, ' ');
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text;
    out += '\n';
  }
  return out;
}

}  // namespace clinic::cli
