// SPDX-License-Identifier: BSL-1.0
#pragma once

// The documents service's store in a PostgreSQL database, through
// libpqxx, so that several replicas of the service share one set of
// users, documents and revoked tokens. It has the schema and the
// semantics of the SQLite store: the same seed, ids never reused,
// exact text comparison, the same ordering.

#include "store.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace docs_service {

/// Rewrites the `?` placeholders of `sql` as PostgreSQL's `$1`, `$2`,
/// ..., in order. A `?` inside a quoted literal ('...') or a quoted name
/// ("...") is left alone. Throws `std::invalid_argument` for text this
/// cannot rewrite safely: an unterminated quote, a comment, or a
/// dollar-quoted string or parameter already in PostgreSQL's form.
std::string numbered_placeholders(std::string_view sql);

/// A store in a PostgreSQL database, shared by every process that opens
/// the same database.
///
/// All members may be called concurrently: each call borrows one of a
/// fixed number of connections, waiting while all are in use. A
/// connection that breaks is replaced at the next call, so the store
/// recovers when the server comes back. Text may not contain NUL
/// characters, which PostgreSQL cannot store: such a value throws
/// `std::invalid_argument`.
class postgres_store final : public store {
public:
    /// Connects to `uri` ("postgresql://user@host:port/database") with
    /// `connections` connections, creates the schema if it is missing and
    /// seeds it when it has no users. Several processes may do this at
    /// once: an advisory lock makes them take turns.
    ///
    /// Throws `std::runtime_error` with PostgreSQL's message if the
    /// server cannot be reached or the schema cannot be created, and
    /// `std::invalid_argument` if `connections` is zero.
    postgres_store(std::string const& uri, std::size_t connections = 4);
    ~postgres_store() override;

    postgres_store(postgres_store const&) = delete;
    postgres_store& operator=(postgres_store const&) = delete;

    std::optional<document> find_document(std::int64_t id) const override;
    std::vector<document>
    documents_where(std::string_view condition,
                    std::vector<std::string> const& parameters) const override;
    std::vector<document>
    documents_owned_by(std::string_view owner,
                       std::string_view tenant) const override;
    std::vector<document>
    documents_in_tenant(std::string_view tenant) const override;
    document create_document(std::string_view owner, std::string_view tenant,
                             std::string_view title,
                             std::string_view body) override;
    bool update_document(std::int64_t id, std::string_view title,
                         std::string_view body) override;
    bool delete_document(std::int64_t id) override;
    std::vector<user> users_in_tenant(std::string_view tenant) const override;
    std::vector<user> all_users() const override;
    std::optional<user> find_user(std::string_view name) const override;
    std::optional<user> find_user(std::int64_t id) const override;
    bool delete_user(std::int64_t id) override;
    void
    revoke_token(std::string_view token_id,
                 std::chrono::system_clock::time_point keep_until) override;
    bool is_token_revoked(std::string_view token_id) const override;

private:
    struct pool;
    std::unique_ptr<pool> pool_;
};

} // namespace docs_service
