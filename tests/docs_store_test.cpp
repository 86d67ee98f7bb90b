// SPDX-License-Identifier: BSL-1.0
#include "store.hpp"

#include "postgres_store.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace Catch {

template <>
struct StringMaker<docs_service::document> {
    static std::string convert(docs_service::document const& d) {
        std::ostringstream out;
        out << "document{" << d.id << ", " << d.owner << ", " << d.tenant
            << ", \"" << d.title << "\", \"" << d.body << "\"}";
        return out.str();
    }
};

template <>
struct StringMaker<docs_service::user> {
    static std::string convert(docs_service::user const& u) {
        std::ostringstream out;
        out << "user{" << u.id << ", " << u.name << ", " << u.tenant << ", [";
        for (auto const& role : u.roles) {
            out << ' ' << role;
        }
        out << " ]}";
        return out.str();
    }
};

} // namespace Catch

namespace {

using docs_service::document;
using docs_service::sqlite_store;
using docs_service::store;
using docs_service::user;

std::vector<user> const seed_users{
    {1, "alice", "acme", {"editor"}},
    {2, "bob", "acme", {"viewer"}},
    {3, "root", "acme", {"admin"}},
    {4, "eve", "globex", {"editor"}},
};

std::vector<document> const seed_documents{
    {1, "alice", "acme", "Alice's plan", "Ship the first release."},
    {2, "bob", "acme", "Bob's notes", "Remember the milk."},
    {3, "eve", "globex", "Eve's secret", "Globex quarterly numbers."},
};

std::vector<std::int64_t> ids_of(std::vector<document> const& documents) {
    std::vector<std::int64_t> ids;
    for (auto const& d : documents) {
        ids.push_back(d.id);
    }
    return ids;
}

// A database file in the temporary directory, removed with everything
// SQLite may have put beside it when the test ends.
class temporary_database {
public:
    temporary_database() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                ("docs_store_test_" + std::to_string(random()) + "_" +
                 std::to_string(random()) + ".sqlite");
    }

    ~temporary_database() {
        std::error_code ignored;
        for (char const* suffix : {"", "-journal", "-wal", "-shm"}) {
            std::filesystem::remove(path_.string() + suffix, ignored);
        }
    }

    temporary_database(temporary_database const&) = delete;
    temporary_database& operator=(temporary_database const&) = delete;

    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// Runs a statement that yields one integer on a connection of its own, to
// look at the file without going through the store.
std::int64_t query_integer(std::string const& path, char const* sql) {
    sqlite3* connection = nullptr;
    if (sqlite3_open_v2(path.c_str(), &connection, SQLITE_OPEN_READONLY,
                        nullptr) != SQLITE_OK) {
        sqlite3_close(connection);
        throw std::runtime_error("cannot open " + path);
    }
    sqlite3_stmt* statement = nullptr;
    std::int64_t result = -1;
    if (sqlite3_prepare_v2(connection, sql, -1, &statement, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
        result = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(connection);
    return result;
}

// The database the cases tagged [any_database] run on: SQLite in
// memory, or the PostgreSQL database that DOCS_STORE_TEST_POSTGRES names
// (a URI), emptied first. The deployment test sets it, so that both
// stores pass the same cases.
std::unique_ptr<store> fresh_store() {
    char const* postgres = std::getenv("DOCS_STORE_TEST_POSTGRES");
    if (postgres == nullptr || *postgres == '\0')
        return std::make_unique<sqlite_store>(":memory:");
    {
        pqxx::connection connection(postgres);
        pqxx::work transaction(connection);
        transaction.exec("SET LOCAL client_min_messages = warning");
        transaction.exec("DROP TABLE IF EXISTS revoked_tokens, documents, "
                         "user_roles, users CASCADE");
        transaction.commit();
    }
    return docs_service::open_store(postgres);
}

void check_seed(store const& db) {
    CHECK(db.all_users() == seed_users);
    for (auto const& expected : seed_documents) {
        CHECK(db.find_document(expected.id) == expected);
    }
    CHECK(db.documents_in_tenant("acme") ==
          std::vector{seed_documents[0], seed_documents[1]});
    CHECK(db.documents_in_tenant("globex") == std::vector{seed_documents[2]});
}

} // namespace

TEST_CASE("a new store holds exactly the seed", "[docs_store][any_database]") {
    check_seed(*fresh_store());
}

TEST_CASE("a new file store holds exactly the seed", "[docs_store]") {
    temporary_database file;
    sqlite_store const db(file.path());
    check_seed(db);
}

TEST_CASE("each in-memory store is a database of its own", "[docs_store]") {
    sqlite_store first(":memory:");
    sqlite_store second(":memory:");
    REQUIRE(first.delete_document(1));
    CHECK_FALSE(first.find_document(1));
    CHECK(second.find_document(1) == seed_documents[0]);
}

TEST_CASE("SQLite keeps text with embedded NUL", "[docs_store]") {
    sqlite_store db(":memory:");
    std::string const body("before\0after \xc3\xa9", 15);
    auto const created = db.create_document("alice", "acme", "t", body);
    CHECK(db.find_document(created.id)->body == body);
}

TEST_CASE("documents are created, updated and deleted",
          "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;

    auto const created =
        db.create_document("bob", "acme", "Bob's list", "Eggs, flour.");
    CHECK(created == document{4, "bob", "acme", "Bob's list", "Eggs, flour."});
    CHECK(db.find_document(4) == created);

    SECTION("update replaces title and body only") {
        CHECK(db.update_document(4, "Bob's list", "Eggs, flour, sugar."));
        CHECK(db.find_document(4) ==
              document{4, "bob", "acme", "Bob's list", "Eggs, flour, sugar."});
        // A row that matches counts as updated even if nothing changes, so
        // the caller can tell "no such document" from "same content".
        CHECK(db.update_document(4, "Bob's list", "Eggs, flour, sugar."));
        CHECK(db.find_document(1) == seed_documents[0]);
    }
    SECTION("update and delete of a missing id report false") {
        CHECK_FALSE(db.update_document(99, "title", "body"));
        CHECK_FALSE(db.delete_document(99));
        CHECK_FALSE(db.delete_document(0));
        CHECK_FALSE(db.delete_document(-1));
        CHECK(db.documents_in_tenant("acme").size() == 3);
    }
    SECTION("delete removes exactly one document, once") {
        CHECK(db.delete_document(2));
        CHECK_FALSE(db.find_document(2));
        CHECK_FALSE(db.delete_document(2));
        CHECK_FALSE(db.update_document(2, "title", "body"));
        CHECK(ids_of(db.documents_in_tenant("acme")) ==
              std::vector<std::int64_t>{1, 4});
    }
    SECTION("ids of deleted documents are not reused") {
        REQUIRE(db.delete_document(4));
        CHECK(db.create_document("bob", "acme", "Again", "").id == 5);
    }
}

TEST_CASE("text is stored as given", "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;

    SECTION("empty strings stay empty strings") {
        auto const created = db.create_document("alice", "acme", {}, "");
        CHECK(created.title.empty());
        CHECK(created.body.empty());
        CHECK(db.find_document(created.id) == created);
        CHECK(db.update_document(created.id, "", std::string_view{}));
    }
    SECTION("SQL in a value is data, not a statement") {
        auto const title = "x'); DROP TABLE documents; --";
        auto const created = db.create_document("alice", "acme", title, "\"");
        CHECK(db.find_document(created.id)->title == title);
        CHECK(db.documents_in_tenant("acme").size() == 3);
        CHECK(db.documents_owned_by("' OR '1'='1", "acme").empty());
        CHECK_FALSE(db.find_user("' OR '1'='1"));
    }
    SECTION("non-ASCII text survives") {
        std::string const body("before after \xc3\xa9 \xe2\x82\xac");
        auto const created = db.create_document("alice", "acme", "t", body);
        CHECK(db.find_document(created.id)->body == body);
    }
}

TEST_CASE("document queries are ordered by id and scoped to the tenant",
          "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;
    auto const fourth = db.create_document("alice", "acme", "Later", "b");
    auto const fifth = db.create_document("eve", "globex", "Elsewhere", "b");
    // Same owner name in another tenant: a different person.
    auto const sixth = db.create_document("alice", "globex", "Other", "b");

    CHECK(db.documents_owned_by("alice", "acme") ==
          std::vector{seed_documents[0], fourth});
    CHECK(db.documents_owned_by("alice", "globex") == std::vector{sixth});
    CHECK(db.documents_owned_by("bob", "globex").empty());
    CHECK(db.documents_owned_by("nobody", "acme").empty());
    CHECK(ids_of(db.documents_in_tenant("acme")) ==
          std::vector<std::int64_t>{1, 2, 4});
    CHECK(db.documents_in_tenant("globex") ==
          std::vector{seed_documents[2], fifth, sixth});
    CHECK(db.documents_in_tenant("initech").empty());
    // Matching is exact: no case folding, no prefixes.
    CHECK(db.documents_in_tenant("ACME").empty());
    CHECK(db.documents_in_tenant("acm").empty());
}

TEST_CASE("users are found by id and name and can be deleted",
          "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;

    CHECK(db.find_user("alice") == seed_users[0]);
    CHECK(db.find_user("eve") == seed_users[3]);
    CHECK(db.find_user(std::int64_t{3}) == seed_users[2]);
    CHECK_FALSE(db.find_user("mallory"));
    CHECK_FALSE(db.find_user("Alice"));
    CHECK_FALSE(db.find_user(""));
    CHECK_FALSE(db.find_user(std::int64_t{0}));
    CHECK_FALSE(db.find_user(std::int64_t{99}));

    CHECK(db.users_in_tenant("acme") ==
          std::vector{seed_users[0], seed_users[1], seed_users[2]});
    CHECK(db.users_in_tenant("globex") == std::vector{seed_users[3]});
    CHECK(db.users_in_tenant("initech").empty());

    CHECK(db.delete_user(2));
    CHECK_FALSE(db.delete_user(2));
    CHECK_FALSE(db.delete_user(99));
    CHECK_FALSE(db.find_user("bob"));
    CHECK_FALSE(db.find_user(std::int64_t{2}));
    CHECK(db.all_users() ==
          std::vector{seed_users[0], seed_users[2], seed_users[3]});
    // Documents are not the store's to delete with their owner.
    CHECK(db.find_document(2) == seed_documents[1]);
}

TEST_CASE("a file store keeps its changes and is seeded once", "[docs_store]") {
    temporary_database file;
    document created;
    {
        sqlite_store db(file.path());
        created = db.create_document("root", "acme", "Audit", "All clear.");
        REQUIRE(db.update_document(1, "Alice's plan, v2", "Ship it."));
        REQUIRE(db.delete_document(3));
        REQUIRE(db.delete_user(2));
    }

    // The roles of the deleted user went with it.
    CHECK(query_integer(file.path(),
                        "SELECT count(*) FROM user_roles WHERE user_id = 2") ==
          0);
    CHECK(query_integer(file.path(), "SELECT count(*) FROM user_roles") == 3);

    for (int reopening = 0; reopening < 2; ++reopening) {
        sqlite_store const db(file.path());
        CHECK(db.all_users() ==
              std::vector{seed_users[0], seed_users[2], seed_users[3]});
        CHECK(db.find_document(1) ==
              document{1, "alice", "acme", "Alice's plan, v2", "Ship it."});
        CHECK(db.find_document(2) == seed_documents[1]);
        CHECK_FALSE(db.find_document(3));
        CHECK(db.find_document(created.id) == created);
        CHECK(db.documents_in_tenant("globex").empty());
    }
    CHECK(query_integer(file.path(), "SELECT count(*) FROM documents") == 3);

    // Ids are not reused across restarts either.
    sqlite_store db(file.path());
    CHECK(db.create_document("eve", "globex", "New", "").id == created.id + 1);
}

TEST_CASE("a store that cannot be opened says which path and why",
          "[docs_store]") {
    SECTION("a directory that does not exist") {
        auto const path = (std::filesystem::temp_directory_path() /
                           "docs_store_test_no_such_directory" / "docs.sqlite")
                              .string();
        REQUIRE_FALSE(
            std::filesystem::exists(std::filesystem::path(path).parent_path()));
        CHECK_THROWS_AS(sqlite_store(path), std::runtime_error);
        CHECK_THROWS_WITH(sqlite_store(path),
                          Catch::Contains(path) &&
                              Catch::Contains("unable to open database file"));
        CHECK_FALSE(std::filesystem::exists(path));
    }
    SECTION("a file that is not a database") {
        temporary_database file;
        std::ofstream(file.path()) << "This is not a database, just text "
                                      "long enough to fill a header page.\n";
        CHECK_THROWS_WITH(sqlite_store(file.path()),
                          Catch::Contains(file.path()) &&
                              Catch::Contains("file is not a database"));
    }
}

TEST_CASE("a failing statement throws SQLite's message", "[docs_store]") {
    temporary_database file;
    sqlite_store db(file.path());

    // Break the schema behind the store's back.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(file.path().c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "DROP TABLE documents", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(other);

    CHECK_THROWS_WITH(db.find_document(1),
                      Catch::Contains("no such table: documents"));
    CHECK_THROWS_AS(db.create_document("a", "b", "c", "d"), std::runtime_error);
    // The connection stays usable for what still works.
    CHECK(db.find_user("alice") == seed_users[0]);
}

TEST_CASE("concurrent use of one store is safe", "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;
    constexpr int threads = 8;
    constexpr int per_thread = 50;

    std::vector<std::vector<std::int64_t>> ids(threads);
    // Counted rather than checked in the workers: Catch2 assertions are
    // not thread-safe.
    std::atomic<int> lost_updates = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&db, &ids, &lost_updates, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto const d = db.create_document("alice", "acme", "t", "b");
                ids[static_cast<std::size_t>(t)].push_back(d.id);
                // Interleave reads and a write whose result depends on
                // the connection's change count.
                (void)db.documents_in_tenant("acme");
                if (!db.update_document(d.id, "t2", "b2")) {
                    ++lost_updates;
                }
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }

    CHECK(lost_updates == 0);
    std::set<std::int64_t> unique;
    for (auto const& list : ids) {
        unique.insert(list.begin(), list.end());
    }
    CHECK(unique.size() == threads * per_thread);
    CHECK(db.documents_in_tenant("acme").size() == 2 + threads * per_thread);
}

TEST_CASE("revoked tokens are remembered until they expire",
          "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;
    auto const now = std::chrono::system_clock::now();
    CHECK_FALSE(db.is_token_revoked("t1"));
    db.revoke_token("t1", now + std::chrono::hours{1});
    CHECK(db.is_token_revoked("t1"));
    CHECK_FALSE(db.is_token_revoked("t2"));
    CHECK_FALSE(db.is_token_revoked("T1"));
    CHECK_FALSE(db.is_token_revoked(""));
    // Twice is not an error, and never shortens the entry.
    db.revoke_token("t1", now - std::chrono::hours{1});
    CHECK(db.is_token_revoked("t1"));

    // An entry past its time is removed by the next revocation.
    db.revoke_token("old", now - std::chrono::seconds{1});
    CHECK(db.is_token_revoked("old"));
    db.revoke_token("t2", now + std::chrono::hours{1});
    CHECK_FALSE(db.is_token_revoked("old"));
    CHECK(db.is_token_revoked("t1"));
    CHECK(db.is_token_revoked("t2"));
    db.revoke_token("x'); DROP TABLE revoked_tokens; --",
                    now + std::chrono::hours{1});
    CHECK(db.is_token_revoked("x'); DROP TABLE revoked_tokens; --"));
    CHECK(db.is_token_revoked("t1"));
}

TEST_CASE("a filter's placeholders are bound in order, quoted text aside",
          "[docs_store][any_database]") {
    auto held = fresh_store();
    store& db = *held;
    db.create_document("alice", "acme", "why?", "b");
    CHECK(ids_of(
              db.documents_where("owner = ? AND title <> 'why?'", {"alice"})) ==
          std::vector<std::int64_t>{1});
    CHECK(ids_of(db.documents_where("title = 'why?' AND tenant = ?",
                                    {"acme"})) == std::vector<std::int64_t>{4});
    CHECK(ids_of(db.documents_where("tenant = ? AND owner = ?",
                                    {"acme", "bob"})) ==
          std::vector<std::int64_t>{2});
    CHECK(db.documents_where("tenant = ? AND owner = ?", {"bob", "acme"})
              .empty());
    CHECK(ids_of(db.documents_where("1 = 1", {})) ==
          std::vector<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("placeholders are numbered for PostgreSQL outside quotes",
          "[docs_store]") {
    using docs_service::numbered_placeholders;
    CHECK(numbered_placeholders("owner = ?") == "owner = $1");
    CHECK(numbered_placeholders("tenant = ? AND (owner = ? OR ? = 'x')") ==
          "tenant = $1 AND (owner = $2 OR $3 = 'x')");
    CHECK(numbered_placeholders("title = 'why?' AND owner = ?") ==
          "title = 'why?' AND owner = $1");
    CHECK(numbered_placeholders("title = 'it''s ?' AND \"odd?\" = ?") ==
          "title = 'it''s ?' AND \"odd?\" = $1");
    CHECK(numbered_placeholders("1 = 1") == "1 = 1");
    CHECK(numbered_placeholders("") == "");
    auto refused = [](std::string_view sql, char const* why) {
        INFO(sql);
        CHECK_THROWS_AS(numbered_placeholders(sql), std::invalid_argument);
        CHECK_THROWS_WITH(numbered_placeholders(sql), Catch::Contains(why));
    };
    refused("title = 'open ?", "a quote is not closed");
    refused("\"name = ?", "a quote is not closed");
    refused("owner = $1", "'$'");
    refused("owner = $$?$$", "'$'");
    refused("owner = ? -- ?", "comments");
    refused("owner = ? /* ? */", "comments");
    refused("title = E'\\' ?' AND owner = ?", "escape strings");
    // A name ending in "e" before a quote is no escape string.
    CHECK(numbered_placeholders("type'x' = ?") == "type'x' = $1");
}

TEST_CASE("open_store chooses the database by its location", "[docs_store]") {
    CHECK(docs_service::is_postgres_location("postgresql://u@h:5432/d"));
    CHECK(docs_service::is_postgres_location("postgres://h/d"));
    CHECK_FALSE(docs_service::is_postgres_location("docs.db"));
    CHECK_FALSE(docs_service::is_postgres_location(":memory:"));
    CHECK_FALSE(docs_service::is_postgres_location("postgresql:/h/d"));
    auto memory = docs_service::open_store(":memory:");
    CHECK(dynamic_cast<sqlite_store*>(memory.get()) != nullptr);
    CHECK_THROWS_WITH(docs_service::open_store("postgresql://127.0.0.1:1/none"),
                      Catch::Contains("cannot initialise the database") &&
                          Catch::Contains("127.0.0.1"));
    CHECK_THROWS_WITH(docs_service::postgres_store("postgresql://h/d", 0),
                      Catch::Contains("at least one connection"));
}
