#include "clients/clinicctl/table.h"

#include <string>

#include "gtest/gtest.h"

namespace clinic::cli {
namespace {

TEST(TableTest, AlignsByCodePoints) {
  Table table({"ID", "NAME", "MODALITY"});
  table.AddRow({"th_1", "Maya Okafor", "deep_tissue"});
  table.AddRow({"th_22", "Zoë Ångström", "sports"});
  EXPECT_EQ(table.Render(),
            "ID     NAME          MODALITY\n"
            "th_1   Maya Okafor   deep_tissue\n"
            "th_22  Zoë Ångström  sports\n");
}

TEST(TableTest, CutsLongCellsWithAnEllipsis) {
  Table table({"ID", "NAME", "NOTE"});
  table.SetMaxWidth(1, 8);
  table.AddRow({"th_1", "Maya Okafor", "x"});
  table.AddRow({"th_2", "Zoë Ångström", "y"});
  table.AddRow({"th_3", "Ada Lim", "z"});
  EXPECT_EQ(table.Render(),
            "ID    NAME      NOTE\n"
            "th_1  Maya Ok…  x\n"
            "th_2  Zoë Ång…  y\n"
            "th_3  Ada Lim   z\n");
}

TEST(TableTest, CutKeepsWholeMultiByteCodePoints) {
  Table table({"A"});
  table.SetMaxWidth(0, 3);
  table.AddRow({"ÅÅÅÅÅ"});
  table.AddRow({"ÅÅÅ"});
  EXPECT_EQ(table.Render(), "A\nÅÅ…\nÅÅÅ\n");
}

TEST(TableTest, DefaultLimitIs32CodePoints) {
  Table table({"NOTE"});
  table.AddRow({std::string(32, 'a')});
  table.AddRow({std::string(33, 'b')});
  EXPECT_EQ(table.Render(), "NOTE\n" + std::string(32, 'a') + "\n" +
                                std::string(31, 'b') + "…\n");
}

TEST(TableTest, NoTrailingBlanks) {
  Table table({"ID", "NOTE"});
  table.AddRow({"th_1", ""});
  table.AddRow({"th_2"});
  table.AddRow({"th_3", "ends in space "});
  EXPECT_EQ(table.Render(),
            "ID    NOTE\n"
            "th_1\n"
            "th_2\n"
            "th_3  ends in space\n");
}

TEST(TableTest, DropsExtraCellsAndFlattensNewlinesAndTabs) {
  Table table({"A", "B"});
  table.AddRow({"x\ty", "two\nlines", "dropped"});
  EXPECT_EQ(table.Render(),
            "A    B\n"
            "x y  two lines\n");
}

TEST(TableTest, EmptyUntilARowIsAdded) {
  Table table({"A"});
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Render(), "A\n");
  table.AddRow({"x"});
  EXPECT_FALSE(table.empty());
}

}  // namespace
}  // namespace clinic::cli
