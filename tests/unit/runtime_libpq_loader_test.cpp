// runtime/libpq_loader.cpp when libpq cannot be loaded (ETL_LIBPQ names a missing file):
// no connection, CONNECTION_BAD, and messages that say why. The tests with a real server
// (the `pg` fixture) cover the loaded library.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

namespace {

TEST(LibpqLoader, AMissingLibraryIsAFailedConnectionThatSaysWhy) {
  // Before the first libpq call of this process: the library is opened once.
  ::setenv("ETL_LIBPQ", "/nonexistent/libpq-for-etl-test.so", 1);
  PGconn* conn = PQconnectdb("host=127.0.0.1 dbname=none");
  EXPECT_EQ(conn, nullptr);
  EXPECT_EQ(PQstatus(conn), CONNECTION_BAD);
  std::string message = PQerrorMessage(conn);
  EXPECT_NE(message.find("the PostgreSQL client library could not be loaded"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/libpq-for-etl-test.so"), std::string::npos) << message;
  PGresult* result = PQexec(conn, "select 1");
  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(PQresultStatus(result), PGRES_FATAL_ERROR);
  EXPECT_EQ(std::string(PQresultErrorMessage(result)), message);
  EXPECT_EQ(PQntuples(result), 0);
  char* error = reinterpret_cast<char*>(1);
  EXPECT_EQ(PQconninfoParse("host=x", &error), nullptr);
  EXPECT_EQ(error, nullptr);
  PQclear(result);
  PQfinish(conn);
}

}  // namespace
