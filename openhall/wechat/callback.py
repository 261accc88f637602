"""WeChat's server → us: URL verification, messages and events, plaintext or safe (AES) mode.

Signatures, AES and XML go through wechatpy; what wechatpy lacks is here: timestamp
freshness and de-duplication of WeChat's retries (it retries 3 times when we take over 5 s).
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

MAX_BODY = 64 * 1024


class CallbackRefused(Exception):
    """Bad signature, stale timestamp or unreadable body: answered 403, nothing processed."""


# What WeChat sends, exactly: a SHA-1 in hex, Unix seconds, a short nonce. Anything else is
# refused before it is used — a 400-digit "timestamp" once overflowed the freshness check.
SIGNATURE = re.compile(r"[0-9a-f]{40}")
TIMESTAMP = re.compile(r"[0-9]{1,10}")  # ASCII only: int() would also take "１７…"
NONCE = re.compile(r"[0-9A-Za-z]{1,64}")


def check_shape(*, signature: str, timestamp: str, nonce: str) -> None:
    if not (
        SIGNATURE.fullmatch(signature) and TIMESTAMP.fullmatch(timestamp) and NONCE.fullmatch(nonce)
    ):
        raise CallbackRefused("malformed signature, timestamp or nonce")


def check_fresh(timestamp: str) -> None:
    if not TIMESTAMP.fullmatch(timestamp or ""):
        raise CallbackRefused("bad timestamp")
    if abs(time.time() - int(timestamp)) > settings.WECHAT_CALLBACK_MAX_AGE:
        raise CallbackRefused("stale timestamp")


def check_not_replayed(*, signature: str, timestamp: str, nonce: str, body: bytes) -> None:
    """A signed query carries one body, ever. In plaintext mode WeChat signs only the query, so
    someone who saw one callback URL could post other messages under it while it is fresh;
    the first body is remembered for as long as the query could pass `check_fresh`. WeChat's
    own retries bring the same body again and pass (the message de-duplication answers them)."""
    key = "wechat:query:" + hashlib.sha1(f"{signature}:{timestamp}:{nonce}".encode()).hexdigest()  # noqa: S324
    digest = hashlib.sha256(body).hexdigest()
    first = cache.add(key, digest, 2 * settings.WECHAT_CALLBACK_MAX_AGE + 60)
    if not first and cache.get(key) != digest:
        raise CallbackRefused("a signed query replayed with another body")


def verify_url(*, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
    check_shape(signature=signature, timestamp=timestamp, nonce=nonce)
    check_fresh(timestamp)
    try:
        check_signature(settings.WECHAT_TOKEN, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise CallbackRefused("bad signature") from None
    return echostr


def _crypto() -> WeChatCrypto:
    return WeChatCrypto(
        settings.WECHAT_TOKEN, settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APP_ID
    )


def create_time(message) -> int:
    value = message.time
    return int(value.timestamp()) if hasattr(value, "timestamp") else int(value)


def dedup_key(message) -> str:
    if getattr(message, "id", None):
        return f"wechat:msg:{message.id}"
    return f"wechat:evt:{message.source}:{create_time(message)}:{getattr(message, 'event', '')}"


def handle_post(*, query: dict[str, str], body: bytes, handler) -> str:
    """Verify, decrypt, de-duplicate, let `handler(message)` answer, encrypt the answer."""
    if len(body) > MAX_BODY:
        raise CallbackRefused("body too large")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    signature = query.get("signature", "")
    check_shape(signature=signature, timestamp=timestamp, nonce=nonce)
    check_fresh(timestamp)
    try:
        check_signature(settings.WECHAT_TOKEN, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise CallbackRefused("bad signature") from None
    check_not_replayed(signature=signature, timestamp=timestamp, nonce=nonce, body=body)
    encrypted = query.get("encrypt_type") == "aes"
    if encrypted and not settings.WECHAT_ENCODING_AES_KEY:
        raise CallbackRefused("safe mode not configured")
    try:
        if encrypted:
            xml = _crypto().decrypt_message(body, query.get("msg_signature", ""), timestamp, nonce)
        else:
            xml = body.decode()
        message = parse_message(xml)
    except (InvalidSignatureException, InvalidAppIdException):
        raise CallbackRefused("bad message signature or app id") from None
    except Exception as exc:  # noqa: BLE001 — any unreadable body is refused, never a 500
        raise CallbackRefused(f"unreadable message: {exc}") from None
    if message is None:
        raise CallbackRefused("empty message")

    key = dedup_key(message)
    if not cache.add(key + ":seen", 1, 300):
        # A retry of something we already handled: answer as we did, and do nothing again.
        return cache.get(key) or "success"
    text = handler(message)
    if not text:
        answer = "success"
    else:
        answer = create_reply(text, message).render()
        if encrypted:
            answer = _crypto().encrypt_message(answer, nonce, timestamp)
    cache.set(key, answer, 300)
    return answer
