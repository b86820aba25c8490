#pragma once
/// RAII ownership of OpenSSL objects.  Calling code never frees an OpenSSL object by
/// hand: every pointer it owns is one of these aliases, released on one path.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace legate::crypto {

template <auto Fn>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Fn(p);
    }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using OpenSslStringPtr = std::unique_ptr<char, Deleter<[](char* p) { OPENSSL_free(p); }>>;
using OpenSslBytesPtr =
    std::unique_ptr<unsigned char, Deleter<[](unsigned char* p) { OPENSSL_free(p); }>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Deleter<ASN1_STRING_free>>;
using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, Deleter<ASN1_BIT_STRING_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using X509NameEntryPtr = std::unique_ptr<X509_NAME_ENTRY, Deleter<X509_NAME_ENTRY_free>>;
using RsaPssParamsPtr = std::unique_ptr<RSA_PSS_PARAMS, Deleter<RSA_PSS_PARAMS_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using ExtendedKeyUsagePtr = std::unique_ptr<EXTENDED_KEY_USAGE, Deleter<EXTENDED_KEY_USAGE_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, Deleter<AUTHORITY_KEYID_free>>;
using X509ExtensionsPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION), Deleter<[](STACK_OF(X509_EXTENSION) * s) {
                        sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
                    }>>;
using X509StackPtr =
    std::unique_ptr<STACK_OF(X509),
                    Deleter<[](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }>>;

using Bytes = std::vector<unsigned char>;

/// Drains OpenSSL's error queue into one readable line ("" when empty).  Every failing
/// library call is reported with this, prefixed by the call's name.
std::string lastOpenSslError();

/// A memory BIO reading `data` (which must outlive it).
BioPtr readBio(std::string_view data);
/// Everything written to a memory BIO so far.
std::string bioContents(BIO* bio);

/// Cryptographically secure random bytes from the OS CSPRNG (RAND_bytes).
Bytes randomBytes(size_t n);

/// Dotted text of an object identifier, e.g. "1.2.840.10045.3.1.7".
std::string oidText(const ASN1_OBJECT* obj);

}  // namespace legate::crypto
