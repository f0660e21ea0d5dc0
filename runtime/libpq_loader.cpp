// libpq, loaded when first used. etlc does not link libpq: linking it pulled about twenty
// more libraries (Kerberos, LDAP, SASL, GnuTLS, ...) into every start of etlc, about 6 ms
// of each run, `etlc check` and the language server's start included, whether or not a
// pipeline touches PostgreSQL. This file defines the libpq functions etl calls with
// libpq-fe.h's own signatures; each forwards to the function of the same name in
// libpq.so.5 (or the library the ETL_LIBPQ environment variable names), opened with dlopen
// on the first call. When the library cannot be opened, the
// functions behave as libpq does for a connection that failed: no connection, status
// CONNECTION_BAD, and an error message that says libpq could not be loaded and why.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

namespace {

struct Libpq {
  void* handle = nullptr;
  std::string error;  // why it could not be opened, as a libpq message ("...\n")
};

const Libpq& Load() {
  static const Libpq library = [] {
    Libpq lib;
    // ETL_LIBPQ names another libpq (a path, or a soname the loader searches for).
    const char* name = std::getenv("ETL_LIBPQ");
    if (!name || !*name) name = "libpq.so.5";
    lib.handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib.handle) {
      const char* why = ::dlerror();
      lib.error = std::string("the PostgreSQL client library could not be loaded (install libpq5, or set "
                              "ETL_LIBPQ to its path): ") +
                  (why ? why : name) + "\n";
    }
    return lib;
  }();
  return library;
}

// The function `name` of libpq, or null when libpq (or the function) is missing.
template <typename Function>
Function Resolve(const char* name) {
  const Libpq& lib = Load();
  return lib.handle ? reinterpret_cast<Function>(::dlsym(lib.handle, name)) : nullptr;
}

char* LoadError() { return const_cast<char*>(Load().error.c_str()); }

PQconninfoOption* NoOptions(char** errmsg) {
  if (errmsg) *errmsg = nullptr;
  return nullptr;
}

char* Empty() {
  static char empty[1] = "";
  return empty;
}

}  // namespace

// Defines `ret name params` forwarding `args` to libpq's `name`, or giving `fallback`.
#define ETL_LIBPQ(ret, name, params, args, fallback)                   \
  extern "C" ret name params {                                          \
    static const auto function = Resolve<ret(*) params>(#name);         \
    if (!function) return fallback;                                     \
    return function args;                                               \
  }
#define ETL_LIBPQ_VOID(name, params, args)                              \
  extern "C" void name params {                                         \
    static const auto function = Resolve<void(*) params>(#name);        \
    if (function) function args;                                        \
  }

ETL_LIBPQ(PGconn*, PQconnectdb, (const char* conninfo), (conninfo), nullptr)
ETL_LIBPQ(PGconn*, PQconnectdbParams, (const char* const* keywords, const char* const* values, int expand_dbname),
          (keywords, values, expand_dbname), nullptr)
ETL_LIBPQ(ConnStatusType, PQstatus, (const PGconn* conn), (conn), CONNECTION_BAD)
ETL_LIBPQ(PGTransactionStatusType, PQtransactionStatus, (const PGconn* conn), (conn), PQTRANS_UNKNOWN)
ETL_LIBPQ(char*, PQerrorMessage, (const PGconn* conn), (conn), LoadError())
ETL_LIBPQ_VOID(PQfinish, (PGconn * conn), (conn))
ETL_LIBPQ_VOID(PQreset, (PGconn * conn), (conn))
ETL_LIBPQ(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * conn, PQnoticeProcessor proc, void* arg),
          (conn, proc, arg), nullptr)
ETL_LIBPQ(PGresult*, PQexec, (PGconn * conn, const char* query), (conn, query), nullptr)
ETL_LIBPQ(PGresult*, PQexecParams,
          (PGconn * conn, const char* command, int nParams, const Oid* paramTypes, const char* const* paramValues,
           const int* paramLengths, const int* paramFormats, int resultFormat),
          (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat), nullptr)
ETL_LIBPQ(PGresult*, PQgetResult, (PGconn * conn), (conn), nullptr)
ETL_LIBPQ(int, PQputCopyData, (PGconn * conn, const char* buffer, int nbytes), (conn, buffer, nbytes), -1)
ETL_LIBPQ(int, PQputCopyEnd, (PGconn * conn, const char* errormsg), (conn, errormsg), -1)
ETL_LIBPQ(ExecStatusType, PQresultStatus, (const PGresult* res), (res), PGRES_FATAL_ERROR)
ETL_LIBPQ(char*, PQresultErrorMessage, (const PGresult* res), (res), LoadError())
ETL_LIBPQ(char*, PQresultErrorField, (const PGresult* res, int fieldcode), (res, fieldcode), nullptr)
ETL_LIBPQ(int, PQntuples, (const PGresult* res), (res), 0)
ETL_LIBPQ(int, PQnfields, (const PGresult* res), (res), 0)
ETL_LIBPQ(char*, PQgetvalue, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num), Empty())
ETL_LIBPQ(int, PQgetlength, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num), 0)
ETL_LIBPQ(int, PQgetisnull, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num), 1)
ETL_LIBPQ(char*, PQcmdTuples, (PGresult * res), (res), Empty())
ETL_LIBPQ_VOID(PQclear, (PGresult * res), (res))
ETL_LIBPQ_VOID(PQfreemem, (void* ptr), (ptr))
ETL_LIBPQ(PQconninfoOption*, PQconninfoParse, (const char* conninfo, char** errmsg), (conninfo, errmsg),
          NoOptions(errmsg))
ETL_LIBPQ_VOID(PQconninfoFree, (PQconninfoOption * connOptions), (connOptions))
