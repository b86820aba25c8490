#include "profiles/CsrBuilder.h"

#include "profiles/NameSyntax.h"
#include "profiles/Vocabulary.h"

namespace legate::profiles {
namespace {

using acme::ErrorType;
using acme::Problem;

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, "CSR template: " + std::move(detail));
}

std::optional<crypto::KeyType> keyTypeOf(const KeyTypeEntry& entry) {
    if (entry.family == KeyTypeEntry::Family::Rsa) {
        switch (entry.publicKeyLength) {
            case 2048:
                return crypto::KeyType::Rsa2048;
            case 3072:
                return crypto::KeyType::Rsa3072;
            case 4096:
                return crypto::KeyType::Rsa4096;
            default:
                return std::nullopt;
        }
    }
    if (entry.namedCurve == "secp256r1") {
        return crypto::KeyType::P256;
    }
    if (entry.namedCurve == "secp384r1") {
        return crypto::KeyType::P384;
    }
    if (entry.namedCurve == "secp521r1") {
        return crypto::KeyType::P521;
    }
    return std::nullopt;
}

}  // namespace

Result<crypto::KeyType> CsrBuilder::chooseKeyType(const CsrTemplate& tmpl) {
    for (const auto& entry : tmpl.keyTypes) {
        if (auto type = keyTypeOf(entry)) {
            return *type;
        }
    }
    return malformed("no keyTypes entry names a key Legate can generate");
}

Result<KeyTypeEntry> CsrBuilder::entryForKey(const CsrTemplate& tmpl,
                                             const crypto::PublicKey& key) {
    for (const auto& entry : tmpl.keyTypes) {
        if (entry.family == KeyTypeEntry::Family::Rsa) {
            if (key.algorithm() == crypto::KeyAlgorithm::Rsa &&
                key.bits() == entry.publicKeyLength) {
                return entry;
            }
        } else if (key.algorithm() == crypto::KeyAlgorithm::Ec &&
                   key.curveName() == entry.namedCurve) {
            return entry;
        }
    }
    return Problem::make(ErrorType::badPublicKey,
                         "the key matches none of the template's keyTypes entries");
}

Result<crypto::CsrRequest> CsrBuilder::request(const CsrTemplate& tmpl,
                                               const crypto::PrivateKey& key,
                                               const CsrChoices& choices) {
    auto entry = entryForKey(tmpl, key.publicKey());
    LEGATE_TRY(entry);
    const SignatureTypeInfo* signature = findSignatureType(entry->signatureType);
    if (!signature) {
        return malformed("unknown SignatureType " + entry->signatureType);
    }
    crypto::CsrRequest req;
    req.digest = std::string(signature->hash);
    if (signature->pss) {
        req.pssSaltLength = signature->saltLength;
    }

    // Subject: every literal, every "**" (value required), each "*" with a value.
    for (const auto& [member, value] : choices.subject) {
        bool allowed = false;
        if (tmpl.subject) {
            for (const auto& field : *tmpl.subject) {
                allowed =
                    allowed || (field.member == member && field.value.kind != ValueKind::Literal);
            }
        }
        if (!allowed) {
            return malformed("subject." + member + " is not a member the NDC may choose");
        }
    }
    if (tmpl.subject) {
        for (const auto& field : *tmpl.subject) {
            const SubjectMemberInfo* info = findSubjectMember(field.member);
            if (!info) {
                return malformed("unknown subject member " + field.member);
            }
            const auto chosen = choices.subject.find(field.member);
            std::string value;
            if (field.value.kind == ValueKind::Literal) {
                value = field.value.literal;
            } else if (chosen != choices.subject.end()) {
                value = chosen->second;
            } else if (field.value.kind == ValueKind::Mandatory) {
                return malformed("subject." + field.member + " is \"**\": a value is required");
            } else {
                continue;
            }
            req.subject.push_back({std::string(info->x509), value});
        }
    }

    // subjectAltName: the literals, then the NDC's names in the wildcard slots.
    size_t mandatory = 0;
    size_t optional = 0;
    if (tmpl.subjectAltName.dns) {
        for (const auto& v : *tmpl.subjectAltName.dns) {
            if (v.kind == ValueKind::Literal) {
                req.dnsNames.push_back(v.literal);
            } else {
                ++(v.kind == ValueKind::Mandatory ? mandatory : optional);
            }
        }
    }
    if (choices.dnsNames.size() < mandatory) {
        return malformed("subjectAltName.DNS has " + std::to_string(mandatory) +
                         " \"**\" entries; " + std::to_string(choices.dnsNames.size()) +
                         " name(s) given");
    }
    if (choices.dnsNames.size() > mandatory + optional) {
        return malformed("subjectAltName.DNS allows at most " +
                         std::to_string(mandatory + optional) + " NDC-chosen name(s); " +
                         std::to_string(choices.dnsNames.size()) + " given");
    }
    for (const auto& name : choices.dnsNames) {
        if (!isHostname(name, false)) {
            return malformed("\"" + name + "\" is not a host name");
        }
        req.dnsNames.push_back(name);
    }
    if (tmpl.subjectAltName.email) {
        for (const auto& v : *tmpl.subjectAltName.email) {
            req.emails.push_back(v.literal);
        }
    }
    if (tmpl.subjectAltName.uri) {
        for (const auto& v : *tmpl.subjectAltName.uri) {
            req.uris.push_back(v.literal);
        }
    }
    if (tmpl.keyUsage) {
        // crypto names the bits by position; translate through the bit number.
        for (const auto& name : *tmpl.keyUsage) {
            const auto bit = keyUsageBit(name);
            const auto& names = crypto::keyUsageNames();
            if (!bit || static_cast<size_t>(*bit) >= names.size()) {
                return malformed("unknown keyUsage " + name);
            }
            req.keyUsage.push_back(names[static_cast<size_t>(*bit)]);
        }
    }
    if (tmpl.extendedKeyUsage) {
        req.extendedKeyUsage = *tmpl.extendedKeyUsage;
    }
    return req;
}

Result<crypto::Csr> CsrBuilder::build(const CsrTemplate& tmpl, const crypto::PrivateKey& key,
                                      const CsrChoices& choices) {
    auto req = request(tmpl, key, choices);
    LEGATE_TRY(req);
    return crypto::createCsr(key, *req);
}

}  // namespace legate::profiles
