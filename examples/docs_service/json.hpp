// SPDX-License-Identifier: BSL-1.0
#pragma once

// How the documents service writes and reads JSON: documents and users
// as objects, the fields a client may set on a document, and the 400
// for a body it cannot take. The HTTP benchmark answers with the same
// functions, so that its servers do the service's work per request.

#include "store.hpp"

#include <clearance/response.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace docs_service {

/// An answer with `body` as its JSON text.
inline clearance::response json_response(boost::beast::http::status status,
                                         nlohmann::json const& body) {
    clearance::response r{status, 11};
    r.set(boost::beast::http::field::content_type, "application/json");
    r.body() = body.dump();
    return r;
}

inline nlohmann::json to_json(document const& doc) {
    return {{"id", doc.id},
            {"owner", doc.owner},
            {"tenant", doc.tenant},
            {"title", doc.title},
            {"body", doc.body}};
}

inline nlohmann::json to_json(user const& u) {
    return {{"id", u.id},
            {"name", u.name},
            {"tenant", u.tenant},
            {"roles", u.roles}};
}

/// A JSON array of documents or users, in their order.
template <class Record>
nlohmann::json to_json(std::vector<Record> const& records) {
    auto list = nlohmann::json::array();
    for (auto const& record : records)
        list.push_back(to_json(record));
    return list;
}

/// The fields a client may set on a document.
struct document_fields {
    std::string title;
    std::string body;
};

/// The fields of a request body: a JSON object with string `title` and
/// `body`, neither holding a NUL character. Anything else is nothing.
inline std::optional<document_fields> read_fields(std::string const& text) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    auto title = parsed.find("title");
    auto body = parsed.find("body");
    if (title == parsed.end() || !title->is_string() || body == parsed.end() ||
        !body->is_string())
        return std::nullopt;
    document_fields fields{title->get<std::string>(), body->get<std::string>()};
    // Not every database can store NUL in text; refusing it everywhere
    // keeps the service's answers the same whichever one it runs on.
    if (fields.title.find('\0') != std::string::npos ||
        fields.body.find('\0') != std::string::npos)
        return std::nullopt;
    return fields;
}

/// The 400 for a body `read_fields` refuses.
inline clearance::response bad_body() {
    return json_response(
        boost::beast::http::status::bad_request,
        {{"error", "bad_request"},
         {"message", "the body must be a JSON object with string "
                     "\"title\" and \"body\", without NUL characters"}});
}

} // namespace docs_service
