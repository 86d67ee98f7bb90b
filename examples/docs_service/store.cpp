// SPDX-License-Identifier: BSL-1.0
#include "store.hpp"

#include "postgres_store.hpp"
#include "seed.hpp"

#include <sqlite3.h>

#include <array>
#include <stdexcept>
#include <utility>

namespace docs_service {

namespace {

// AUTOINCREMENT makes SQLite remember the largest id ever handed out, so
// an id freed by a delete is never given to a new row.
constexpr std::array schema{
    "CREATE TABLE IF NOT EXISTS users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE,"
    " tenant TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS user_roles ("
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " role TEXT NOT NULL,"
    " PRIMARY KEY (user_id, role))",
    "CREATE TABLE IF NOT EXISTS documents ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " owner TEXT NOT NULL,"
    " tenant TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS documents_by_tenant"
    " ON documents (tenant, owner)",
    "CREATE TABLE IF NOT EXISTS revoked_tokens ("
    " token_id TEXT PRIMARY KEY,"
    " keep_until INTEGER NOT NULL)",
};

// The message is SQLite's own, unadorned: the callers add the context
// they know, such as the path of a database that cannot be initialised.
[[noreturn]] void throw_sqlite_error(sqlite3* connection) {
    throw std::runtime_error(sqlite3_errmsg(connection));
}

// One prepared statement, finalized when it goes out of scope so that an
// exception between prepare and step cannot leak it.
class statement {
public:
    statement(sqlite3* connection, char const* sql)
        : connection_(connection) {
        if (sqlite3_prepare_v2(connection, sql, -1, &handle_, nullptr) !=
            SQLITE_OK) {
            throw_sqlite_error(connection);
        }
    }

    ~statement() { sqlite3_finalize(handle_); }

    statement(statement const&) = delete;
    statement& operator=(statement const&) = delete;

    // The bound text is copied by SQLite (SQLITE_TRANSIENT) so that the
    // statement never depends on the lifetime of the caller's view.
    statement& bind(int index, std::string_view text) {
        // An empty view may have a null data pointer, which SQLite would
        // bind as NULL rather than as an empty string.
        char const* data = text.empty() ? "" : text.data();
        check(sqlite3_bind_text64(handle_, index, data, text.size(),
                                  SQLITE_TRANSIENT, SQLITE_UTF8));
        return *this;
    }

    statement& bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(handle_, index, value));
        return *this;
    }

    // Advances to the next row: true if there is one, false once the
    // statement has finished.
    bool step() {
        switch (sqlite3_step(handle_)) {
        case SQLITE_ROW:
            return true;
        case SQLITE_DONE:
            return false;
        default:
            throw_sqlite_error(connection_);
        }
    }

    // Runs a statement that returns no rows.
    void run() {
        while (step()) {
        }
    }

    bool is_null(int column) const {
        return sqlite3_column_type(handle_, column) == SQLITE_NULL;
    }

    std::int64_t integer(int column) const {
        return sqlite3_column_int64(handle_, column);
    }

    std::string text(int column) const {
        auto const* data = sqlite3_column_text(handle_, column);
        // Read the size after the text: the conversion to text can change
        // it.
        auto const size = sqlite3_column_bytes(handle_, column);
        if (data == nullptr) {
            return {};
        }
        return {reinterpret_cast<char const*>(data),
                static_cast<std::size_t>(size)};
    }

private:
    void check(int result) const {
        if (result != SQLITE_OK) {
            throw_sqlite_error(connection_);
        }
    }

    sqlite3* connection_;
    sqlite3_stmt* handle_ = nullptr;
};

// Rolls back unless committed, so a failure half-way through seeding
// leaves no partial seed behind.
class transaction {
public:
    explicit transaction(sqlite3* connection)
        : connection_(connection) {
        // IMMEDIATE takes the write lock before the emptiness check, so two
        // processes opening a new file at once cannot both seed it.
        statement(connection, "BEGIN IMMEDIATE").run();
    }

    ~transaction() {
        if (!committed_) {
            sqlite3_stmt* rollback = nullptr;
            if (sqlite3_prepare_v2(connection_, "ROLLBACK", -1, &rollback,
                                   nullptr) == SQLITE_OK) {
                sqlite3_step(rollback);
            }
            sqlite3_finalize(rollback);
        }
    }

    transaction(transaction const&) = delete;
    transaction& operator=(transaction const&) = delete;

    void commit() {
        statement(connection_, "COMMIT").run();
        committed_ = true;
    }

private:
    sqlite3* connection_;
    bool committed_ = false;
};

// Inserts the fixed rows of a first run. The caller holds the transaction.
void seed(sqlite3* connection) {
    for (auto const& u : seed::users) {
        statement(connection,
                  "INSERT INTO users (id, name, tenant) VALUES (?1, ?2, ?3)")
            .bind(1, u.id)
            .bind(2, u.name)
            .bind(3, u.tenant)
            .run();
        statement(connection,
                  "INSERT INTO user_roles (user_id, role) VALUES (?1, ?2)")
            .bind(1, u.id)
            .bind(2, u.role)
            .run();
    }
    for (auto const& d : seed::documents) {
        statement(connection, "INSERT INTO documents"
                              " (id, owner, tenant, title, body)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(1, d.id)
            .bind(2, d.owner)
            .bind(3, d.tenant)
            .bind(4, d.title)
            .bind(5, d.body)
            .run();
    }
}

bool has_users(sqlite3* connection) {
    statement query(connection, "SELECT EXISTS (SELECT 1 FROM users)");
    query.step();
    return query.integer(0) != 0;
}

void initialise(sqlite3* connection) {
    int enabled = 0;
    if (sqlite3_db_config(connection, SQLITE_DBCONFIG_ENABLE_FKEY, 1,
                          &enabled) != SQLITE_OK ||
        enabled != 1) {
        // Without foreign keys, deleting a user would leave its roles
        // behind.
        throw std::runtime_error("foreign keys cannot be enabled");
    }

    transaction setup(connection);
    for (char const* sql : schema) {
        statement(connection, sql).run();
    }
    // Seeding only an empty table keeps, across restarts, the changes made
    // to users while the service ran.
    if (!has_users(connection)) {
        seed(connection);
    }
    setup.commit();
}

// Every query of documents selects these columns in this order.
std::vector<document> read_documents(statement& query) {
    std::vector<document> result;
    while (query.step()) {
        result.push_back({query.integer(0), query.text(1), query.text(2),
                          query.text(3), query.text(4)});
    }
    return result;
}

// Every query of users selects id, name, tenant and role from a join of
// users with their roles, ordered by user id and then role, so each user
// arrives as a run of consecutive rows. A user without roles arrives as
// one row whose role is NULL.
std::vector<user> read_users(statement& query) {
    std::vector<user> result;
    while (query.step()) {
        auto const id = query.integer(0);
        if (result.empty() || result.back().id != id) {
            result.push_back({id, query.text(1), query.text(2), {}});
        }
        if (!query.is_null(3)) {
            result.back().roles.push_back(query.text(3));
        }
    }
    return result;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(
               time.time_since_epoch())
        .count();
}

template <typename T>
std::optional<T> first(std::vector<T> rows) {
    if (rows.empty()) {
        return std::nullopt;
    }
    return std::move(rows.front());
}

} // namespace

void sqlite_store::connection_closer::operator()(
    sqlite3* connection) const noexcept {
    // Every statement is finalized by its owner before this runs, so the
    // connection closes at once.
    sqlite3_close_v2(connection);
}

sqlite_store::sqlite_store(std::string const& path) {
    sqlite3* handle = nullptr;
    int const opened = sqlite3_open_v2(
        path.c_str(), &handle,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    // SQLite usually returns a handle even when opening fails; it holds the
    // error message and must be closed all the same.
    connection_.reset(handle);
    if (opened != SQLITE_OK) {
        throw std::runtime_error("docs_service::store: cannot open \"" + path +
                                 "\": " +
                                 (handle != nullptr ? sqlite3_errmsg(handle)
                                                    : sqlite3_errstr(opened)));
    }
    // Another process may hold the write lock briefly; wait for it rather
    // than fail the request.
    sqlite3_busy_timeout(handle, 5000);
    try {
        initialise(handle);
    } catch (std::exception const& e) {
        throw std::runtime_error("docs_service::store: cannot initialise \"" +
                                 path + "\": " + e.what());
    }
}

sqlite_store::~sqlite_store() = default;

std::optional<document> sqlite_store::find_document(std::int64_t id) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT id, owner, tenant, title, body FROM documents"
                    " WHERE id = ?1");
    query.bind(1, id);
    return first(read_documents(query));
}

std::vector<document>
sqlite_store::documents_owned_by(std::string_view owner,
                                 std::string_view tenant) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT id, owner, tenant, title, body FROM documents"
                    " WHERE owner = ?1 AND tenant = ?2 ORDER BY id");
    query.bind(1, owner).bind(2, tenant);
    return read_documents(query);
}

std::vector<document>
sqlite_store::documents_in_tenant(std::string_view tenant) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT id, owner, tenant, title, body FROM documents"
                    " WHERE tenant = ?1 ORDER BY id");
    query.bind(1, tenant);
    return read_documents(query);
}

std::vector<document> sqlite_store::documents_where(
    std::string_view condition,
    std::vector<std::string> const& parameters) const {
    std::lock_guard lock(mutex_);
    // The condition comes from the service's ownership rules, never from
    // a request; every value in it is a bound parameter.
    std::string sql = "SELECT id, owner, tenant, title, body FROM documents"
                      " WHERE ";
    sql += condition;
    sql += " ORDER BY id";
    statement query(connection_.get(), sql.c_str());
    int index = 1;
    for (auto const& value : parameters)
        query.bind(index++, value);
    return read_documents(query);
}

document sqlite_store::create_document(std::string_view owner,
                                       std::string_view tenant,
                                       std::string_view title,
                                       std::string_view body) {
    std::lock_guard lock(mutex_);
    statement insert(connection_.get(),
                     "INSERT INTO documents (owner, tenant, title, body)"
                     " VALUES (?1, ?2, ?3, ?4)"
                     " RETURNING id, owner, tenant, title, body");
    insert.bind(1, owner).bind(2, tenant).bind(3, title).bind(4, body);
    auto created = read_documents(insert);
    if (created.size() != 1) {
        throw std::runtime_error(
            "docs_service::store: inserting a document returned no row");
    }
    return std::move(created.front());
}

bool sqlite_store::update_document(std::int64_t id, std::string_view title,
                                   std::string_view body) {
    std::lock_guard lock(mutex_);
    statement update(connection_.get(),
                     "UPDATE documents SET title = ?2, body = ?3"
                     " WHERE id = ?1");
    update.bind(1, id).bind(2, title).bind(3, body).run();
    // Counted under the lock, so no other statement can have changed it.
    return sqlite3_changes64(connection_.get()) > 0;
}

bool sqlite_store::delete_document(std::int64_t id) {
    std::lock_guard lock(mutex_);
    statement remove(connection_.get(), "DELETE FROM documents WHERE id = ?1");
    remove.bind(1, id).run();
    return sqlite3_changes64(connection_.get()) > 0;
}

std::vector<user> sqlite_store::users_in_tenant(std::string_view tenant) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT u.id, u.name, u.tenant, r.role FROM users AS u"
                    " LEFT JOIN user_roles AS r ON r.user_id = u.id"
                    " WHERE u.tenant = ?1 ORDER BY u.id, r.role");
    query.bind(1, tenant);
    return read_users(query);
}

std::vector<user> sqlite_store::all_users() const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT u.id, u.name, u.tenant, r.role FROM users AS u"
                    " LEFT JOIN user_roles AS r ON r.user_id = u.id"
                    " ORDER BY u.id, r.role");
    return read_users(query);
}

std::optional<user> sqlite_store::find_user(std::string_view name) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT u.id, u.name, u.tenant, r.role FROM users AS u"
                    " LEFT JOIN user_roles AS r ON r.user_id = u.id"
                    " WHERE u.name = ?1 ORDER BY u.id, r.role");
    query.bind(1, name);
    return first(read_users(query));
}

std::optional<user> sqlite_store::find_user(std::int64_t id) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT u.id, u.name, u.tenant, r.role FROM users AS u"
                    " LEFT JOIN user_roles AS r ON r.user_id = u.id"
                    " WHERE u.id = ?1 ORDER BY u.id, r.role");
    query.bind(1, id);
    return first(read_users(query));
}

bool sqlite_store::delete_user(std::int64_t id) {
    std::lock_guard lock(mutex_);
    // The foreign key removes the user's roles in the same statement.
    statement remove(connection_.get(), "DELETE FROM users WHERE id = ?1");
    remove.bind(1, id).run();
    return sqlite3_changes64(connection_.get()) > 0;
}

void sqlite_store::revoke_token(
    std::string_view token_id,
    std::chrono::system_clock::time_point keep_until) {
    auto const now = std::chrono::system_clock::now();
    std::lock_guard lock(mutex_);
    transaction revoking(connection_.get());
    statement(connection_.get(),
              "DELETE FROM revoked_tokens WHERE keep_until < ?1")
        .bind(1, unix_seconds(now))
        .run();
    statement(connection_.get(),
              "INSERT INTO revoked_tokens (token_id, keep_until)"
              " VALUES (?1, ?2) ON CONFLICT (token_id) DO UPDATE"
              " SET keep_until = max(keep_until, excluded.keep_until)")
        .bind(1, token_id)
        .bind(2, unix_seconds(keep_until))
        .run();
    revoking.commit();
}

bool sqlite_store::is_token_revoked(std::string_view token_id) const {
    std::lock_guard lock(mutex_);
    statement query(connection_.get(),
                    "SELECT EXISTS (SELECT 1 FROM revoked_tokens"
                    " WHERE token_id = ?1)");
    query.bind(1, token_id);
    query.step();
    return query.integer(0) != 0;
}

bool is_postgres_location(std::string_view location) {
    return location.starts_with("postgresql://") ||
           location.starts_with("postgres://");
}

std::unique_ptr<store> open_store(std::string const& location,
                                  std::size_t postgres_connections) {
    if (is_postgres_location(location))
        return std::make_unique<postgres_store>(location, postgres_connections);
    return std::make_unique<sqlite_store>(location);
}

} // namespace docs_service
