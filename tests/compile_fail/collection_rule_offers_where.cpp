// SPDX-License-Identifier: BSL-1.0
// A collection filtered in SQL by a combined rule whose operand has no
// `where`: the combination has none either, and the note names it.
// expect-rule: ownership_rule_offers_where
// expect-message: needs the ownership rule to offer
// expect-name: any_rule<compile_fail::owns
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

namespace {

struct owns_listed : compile_fail::owns {
    static clearance::row_filter where(clearance::principal const& who) {
        return {"owner = ?", {who.subject}};
    }
};

struct is_public_doc {
    bool operator()(clearance::principal const&,
                    compile_fail::doc const& d) const {
        return d.owner.empty();
    }
    static clearance::row_filter where(clearance::principal const&) {
        return {"owner = ''", {}};
    }
};

#ifdef CLEARANCE_TEST_BROKEN
using rule = clearance::any_rule<compile_fail::owns, is_public_doc>;
#else
using rule = clearance::any_rule<owns_listed, is_public_doc>;
#endif

} // namespace

int main() {
    auto s = compile_fail::make(clearance::get<"/docs">(
        [](clearance::collection<compile_fail::doc, rule> visible) {
            auto filter = visible.filter();
            (void)filter;
            return compile_fail::ok();
        }));
    (void)s;
}
