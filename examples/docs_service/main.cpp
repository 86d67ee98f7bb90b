// SPDX-License-Identifier: BSL-1.0
// docs-service: private documents with owners, and admin-only user
// management, every route guarded by clearance.
//
//   docs-service serve [--port N] [--address A] [--db LOCATION] [--threads N]
//                      [--audit PATH] [--files DIR] [--keys FILE]
//                      [--issuing-key KID] [--key-check SECONDS]
//                      [--trusted-proxy ADDRESS] [--connections N]
//   docs-service token USER [--db LOCATION] [--lifetime SECONDS]
//                      [--keys FILE] [--issuing-key KID]
//   docs-service matrix [--format markdown|json]
//   docs-service openapi
//
// `matrix` prints who may call which route, by role; `openapi` prints an
// OpenAPI 3.1.0 description of the routes. Both are computed from the
// routes' types and need no database.
//
// The database is an SQLite file (docs.db by default) or, for several
// replicas sharing one, a PostgreSQL URI ("postgresql://...").
//
// Tokens are signed with the key in the DOCS_SERVICE_KEY environment
// variable, or with a public development key when it is not set. With
// --keys, they are verified with the keys of a JSON Web Key Set file,
// re-read when it changes (every --key-check seconds, 5 by default), and
// issued with its HS256 key --issuing-key.
//
// `serve` serves the files of --files (default "files", created when
// missing, like the database) under /files/ to readers of documents.

#include "app.hpp"
#include "store.hpp"

#include <clearance/audit.hpp>
#include <clearance/files.hpp>
#include <clearance/jwt.hpp>
#include <clearance/server.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage =
    "usage: docs-service serve [--port N] [--address A] [--db LOCATION] "
    "[--threads N] [--audit PATH]\n"
    "                          [--files DIR] [--keys FILE] [--issuing-key KID] "
    "[--key-check SECONDS]\n"
    "                          [--trusted-proxy ADDRESS] [--connections N]\n"
    "       docs-service token USER [--db LOCATION] [--lifetime SECONDS] "
    "[--scope S]\n"
    "                          [--keys FILE] [--issuing-key KID]\n"
    "       docs-service matrix [--format markdown|json]\n"
    "       docs-service openapi\n";

struct command_line {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string, std::less<>> options;
};

// Each command accepts only its own options, so that a misspelt one is
// an error rather than silently ignored.
bool takes_option(std::string_view command, std::string_view name) {
    if (command == "matrix")
        return name == "format";
    if (command == "openapi")
        return false;
    bool const keys = name == "db" || name == "keys" || name == "issuing-key";
    if (command == "token")
        return keys || name == "lifetime" || name == "scope";
    return keys || name == "port" || name == "threads" || name == "address" ||
           name == "audit" || name == "files" || name == "key-check" ||
           name == "trusted-proxy" || name == "connections";
}

std::optional<command_line> parse(int argc, char** argv) {
    if (argc < 2)
        return std::nullopt;
    command_line line;
    line.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg.starts_with("--")) {
            if (i + 1 >= argc)
                return std::nullopt;
            line.options[std::string(arg.substr(2))] = argv[++i];
        } else {
            line.positional.emplace_back(arg);
        }
    }
    for (auto const& [name, value] : line.options)
        if (!takes_option(line.command, name))
            return std::nullopt;
    return line;
}

template <class Integer>
std::optional<Integer> number(std::string_view text) {
    Integer value{};
    auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string option(command_line const& line, std::string_view name,
                   std::string fallback) {
    auto found = line.options.find(name);
    return found == line.options.end() ? fallback : found->second;
}

// The reporting job's API key: DOCS_SERVICE_REPORT_KEY, or a public
// development key.
std::string report_key() {
    if (char const* key = std::getenv("DOCS_SERVICE_REPORT_KEY"))
        return key;
    return std::string(docs_service::development_report_key);
}

std::string signing_key() {
    if (char const* key = std::getenv("DOCS_SERVICE_KEY"))
        return key;
    return std::string(docs_service::development_key);
}

// The token keys the command line asks for: a key file re-read every
// `check` seconds, whose reloads and refusals are logged, or the
// environment's key.
docs_service::settings key_settings(command_line const& line,
                                    std::chrono::seconds check) {
    docs_service::settings config;
    config.issuing_key = option(line, "issuing-key", "");
    auto file = option(line, "keys", "");
    if (file.empty()) {
        if (!config.issuing_key.empty())
            throw std::invalid_argument("--issuing-key needs --keys");
        config.key = signing_key();
        return config;
    }
    config.key_file = std::make_shared<clearance::jwks_file>(
        file, check, [](clearance::jwks_file_event const& e) {
            if (e.what == clearance::jwks_file_event::kind::reloaded)
                spdlog::info("key file reloaded: {} keys in use", e.keys);
            else
                spdlog::error("{}; the keys in use are kept", e.problem);
        });
    return config;
}

// Writes every access decision as one JSON object per line to `path`,
// through spdlog's thread-safe file sink. Opening the file is checked
// here, at start-up.
clearance::audit_sink audit_log(std::string const& path) {
    auto logger = std::make_shared<spdlog::logger>(
        "audit",
        std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false));
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::info);
    return [logger](clearance::audit_event const& e) {
        auto milliseconds =
            std::chrono::duration_cast<std::chrono::milliseconds>(
                e.time.time_since_epoch())
                .count();
        nlohmann::ordered_json line{
            {"time_ms", milliseconds},
            {"request_id", e.request_id},
            {"method", e.method},
            {"route", e.route},
            {"path", e.path},
            {"subject", e.subject},
            {"tenant", e.tenant},
            {"decision", clearance::decision_name(e.outcome)},
            {"status", e.status},
            {"rule", e.rule},
        };
        logger->info(line.dump(
            -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    };
}

int serve(command_line const& line) {
    auto port = number<std::uint16_t>(option(line, "port", "8080"));
    auto threads = number<unsigned>(option(line, "threads", "0"));
    auto check = number<unsigned>(option(line, "key-check", "5"));
    auto connections = number<std::size_t>(option(line, "connections", "4"));
    if (!port || !threads || !check || *check == 0 || !connections) {
        std::cerr << "docs-service: --port, --threads, --connections and "
                     "--key-check take a number (--key-check at least 1)\n";
        return 2;
    }
    auto db = option(line, "db", "docs.db");
    auto database = docs_service::open_store(db, *connections);
    auto& data = *database;
    auto config = key_settings(line, std::chrono::seconds{*check});
    if (auto path = option(line, "audit", ""); !path.empty())
        config.audit = audit_log(path);
    config.report_key = report_key();
    auto proxy = option(line, "trusted-proxy", "");
    if (!proxy.empty())
        config.trusted_proxies = {proxy};
    auto files = option(line, "files", "files");
    std::filesystem::create_directories(files);
    config.files = clearance::file_directory{files};
    // Replicas log to a file that operators and tests read as it grows.
    spdlog::flush_on(spdlog::level::info);
    bool const development =
        !config.key_file && !std::getenv("DOCS_SERVICE_KEY");
    docs_service::application app(data, std::move(config));

    clearance::server_options options;
    options.address = option(line, "address", "127.0.0.1");
    options.port = *port;
    options.threads = *threads;
    // Behind a proxy every connection comes from the proxy's address:
    // the proxy limits its clients, and the per-peer cap would only
    // limit the proxy.
    if (!proxy.empty())
        options.max_connections_per_peer = options.max_connections;
    clearance::server server(docs_service::server_handler{&app}, options);

    auto base =
        "http://" + options.address + ":" + std::to_string(server.port());
    std::cout << "docs-service listening on " << base << " (database "
              << (docs_service::is_postgres_location(db) ? "PostgreSQL" : db)
              << ", files " << files << ")\n";
    if (development)
        std::cout << "signing with the public development key; set "
                     "DOCS_SERVICE_KEY for anything real\n";
    std::cout << "\nTokens for the seeded users, valid for 12 hours:\n";
    for (auto const& u : data.all_users()) {
        std::string variable;
        for (char c : u.name)
            variable +=
                static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        std::cout << "  export " << variable << "="
                  << app.token_for(u.name).value_or("") << "\n";
    }
    std::cout << "  export REPORT_KEY=" << report_key() << "\n";
    std::cout << "\nTry:\n"
              << "  curl -i " << base << "/health\n"
              << "  curl -i " << base << "/documents/1\n"
              << "  curl -i -H \"Authorization: Bearer $ALICE\" " << base
              << "/documents/1\n"
              << "  curl -i -H \"Authorization: Bearer $BOB\" " << base
              << "/documents/1\n"
              << "  curl -i -H \"Authorization: Bearer $ROOT\" " << base
              << "/admin/users\n"
              << "  curl -i -X POST -H \"Authorization: Bearer $ALICE\" "
                 "-d '{\"title\":\"t\",\"body\":\"b\"}' "
              << base << "/documents\n"
              << "  curl -i -H \"X-API-Key: $REPORT_KEY\" " << base
              << "/reports/summary\n"
              << "  curl -i -H \"Authorization: Bearer $BOB\" " << base
              << "/files/NAME   (a file of " << files << ")\n"
              << "\nStop with Ctrl-C.\n"
              << std::flush;
    server.run();
    return 0;
}

int token(command_line const& line) {
    if (line.positional.size() != 1) {
        std::cerr << usage;
        return 2;
    }
    auto lifetime = number<long>(option(line, "lifetime", "43200"));
    if (!lifetime) {
        std::cerr << "docs-service: --lifetime takes a number of seconds\n";
        return 2;
    }
    auto data = docs_service::open_store(option(line, "db", "docs.db"), 1);
    docs_service::application app(*data,
                                  key_settings(line, std::chrono::seconds{5}));
    auto issued =
        app.token_for(line.positional.front(), std::chrono::seconds{*lifetime},
                      option(line, "scope", ""));
    if (!issued) {
        std::cerr << "docs-service: no user named '" << line.positional.front()
                  << "'\n";
        return 1;
    }
    std::cout << *issued << "\n";
    return 0;
}

int matrix(command_line const& line) {
    auto format = option(line, "format", "markdown");
    if (!line.positional.empty() ||
        (format != "markdown" && format != "json")) {
        std::cerr << usage;
        return 2;
    }
    std::cout << docs_service::application::matrix(format) << std::flush;
    return 0;
}

int openapi(command_line const& line) {
    if (!line.positional.empty()) {
        std::cerr << usage;
        return 2;
    }
    std::cout << docs_service::application::openapi() << std::flush;
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    auto line = parse(argc, argv);
    if (!line || (line->command != "serve" && line->command != "token" &&
                  line->command != "matrix" && line->command != "openapi")) {
        std::cerr << usage;
        return 2;
    }
    try {
        if (line->command == "serve")
            return line->positional.empty() ? serve(*line)
                                            : (std::cerr << usage, 2);
        if (line->command == "matrix")
            return matrix(*line);
        if (line->command == "openapi")
            return openapi(*line);
        return token(*line);
    } catch (std::exception const& e) {
        std::cerr << "docs-service: " << e.what() << "\n";
        return 1;
    }
}
