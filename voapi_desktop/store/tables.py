"""peewee tables: users, tokens, channels, abilities, options, logs.

Field names and meanings follow new-api / one-api (reference/newapi-inventory.md
sections 2, 3 and 5) so that an existing database can be imported later.
Money is an integer number of quota units everywhere.
"""

from __future__ import annotations

import peewee as pw

database = pw.DatabaseProxy()


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False

    def save_changes(self) -> None:
        """UPDATE only the fields assigned since the row was read: a counter another writer moved in between
        (the ledger charging used_quota) is never written back stale, on any database."""
        if self.dirty_fields:
            self.save(only=self.dirty_fields)


class User(BaseModel):
    username = pw.CharField(max_length=32, unique=True)
    password = pw.CharField(max_length=128)  # bcrypt hash
    display_name = pw.CharField(max_length=64, default="")
    role = pw.IntegerField(default=1)  # 1 common, 10 admin, 100 root
    status = pw.IntegerField(default=1)  # 1 enabled, 2 disabled
    email = pw.CharField(max_length=128, default="", index=True)
    access_token = pw.CharField(max_length=64, null=True, unique=True)
    quota = pw.BigIntegerField(default=0)
    used_quota = pw.BigIntegerField(default=0)
    request_count = pw.IntegerField(default=0)
    group = pw.CharField(max_length=64, default="default")
    aff_code = pw.CharField(max_length=32, null=True, unique=True)
    aff_count = pw.IntegerField(default=0)
    aff_quota = pw.BigIntegerField(default=0)
    aff_history_quota = pw.BigIntegerField(default=0)
    inviter_id = pw.IntegerField(null=True)
    setting = pw.TextField(default="")
    remark = pw.CharField(max_length=255, default="")
    created_at = pw.BigIntegerField(default=0)
    last_login_at = pw.BigIntegerField(default=0)
    deleted_at = pw.BigIntegerField(null=True)
    github_id = pw.CharField(max_length=64, null=True, unique=True)  # linked OAuth accounts (migration 8)
    linuxdo_id = pw.CharField(max_length=64, null=True, unique=True)


class Token(BaseModel):
    user = pw.ForeignKeyField(User, backref="tokens", on_delete="CASCADE", column_name="user_id")
    key = pw.CharField(max_length=128, unique=True)  # stored without "sk-"
    status = pw.IntegerField(default=1)  # 1 enabled, 2 disabled, 3 expired, 4 exhausted
    name = pw.CharField(max_length=64, default="", index=True)
    created_time = pw.BigIntegerField(default=0)
    accessed_time = pw.BigIntegerField(default=0)
    expired_time = pw.BigIntegerField(default=-1)  # -1 = never
    remain_quota = pw.BigIntegerField(default=0)
    unlimited_quota = pw.BooleanField(default=False)
    model_limits_enabled = pw.BooleanField(default=False)
    model_limits = pw.TextField(default="")  # comma list
    allow_ips = pw.TextField(default="")  # newline list of IPs / CIDRs
    used_quota = pw.BigIntegerField(default=0)
    group = pw.CharField(max_length=64, default="")  # empty = the owner's group
    deleted_at = pw.BigIntegerField(null=True)


class Channel(BaseModel):
    type = pw.IntegerField(default=1)
    key = pw.TextField()  # several lines = several keys
    openai_organization = pw.CharField(max_length=128, null=True)
    test_model = pw.CharField(max_length=128, null=True)
    status = pw.IntegerField(default=1)  # 1 enabled, 2 manually disabled, 3 auto-disabled
    name = pw.CharField(max_length=128, default="", index=True)
    weight = pw.IntegerField(default=0)
    created_time = pw.BigIntegerField(default=0)
    test_time = pw.BigIntegerField(default=0)
    response_time = pw.IntegerField(default=0)  # ms, last test
    base_url = pw.CharField(max_length=512, default="")
    other = pw.TextField(default="")  # type specific, e.g. Azure api-version
    balance = pw.FloatField(default=0.0)
    balance_updated_time = pw.BigIntegerField(default=0)
    models = pw.TextField(default="")  # comma list
    group = pw.CharField(max_length=255, default="default")  # comma list
    used_quota = pw.BigIntegerField(default=0)
    model_mapping = pw.TextField(default="")  # JSON {requested: upstream}
    status_code_mapping = pw.CharField(max_length=1024, default="")  # JSON {"429": "500"}
    priority = pw.BigIntegerField(default=0)
    auto_ban = pw.IntegerField(default=1)
    other_info = pw.TextField(default="")  # JSON: status_reason, status_time
    tag = pw.CharField(max_length=64, default="", index=True)
    setting = pw.TextField(default="")  # JSON
    param_override = pw.TextField(default="")  # JSON merged into the body
    header_override = pw.TextField(default="")  # JSON extra upstream headers
    remark = pw.CharField(max_length=255, default="")
    channel_info = pw.TextField(default="")  # JSON multi-key state


class Ability(BaseModel):
    group = pw.CharField(max_length=64)
    model = pw.CharField(max_length=255)
    channel_id = pw.IntegerField(index=True)
    enabled = pw.BooleanField(default=True)
    priority = pw.BigIntegerField(default=0)
    weight = pw.IntegerField(default=0)
    tag = pw.CharField(max_length=64, default="")

    class Meta:
        primary_key = pw.CompositeKey("group", "model", "channel_id")


class Option(BaseModel):
    key = pw.CharField(max_length=191, primary_key=True)
    value = pw.TextField(default="")


class Log(BaseModel):
    user_id = pw.IntegerField(default=0)
    created_at = pw.BigIntegerField(default=0)
    type = pw.IntegerField(default=0)  # 1 topup, 2 consume, 3 manage, 4 system, 5 error, 6 refund
    content = pw.TextField(default="")
    username = pw.CharField(max_length=32, default="")
    token_name = pw.CharField(max_length=64, default="")
    model_name = pw.CharField(max_length=255, default="")
    quota = pw.BigIntegerField(default=0)
    prompt_tokens = pw.IntegerField(default=0)
    completion_tokens = pw.IntegerField(default=0)
    use_time = pw.IntegerField(default=0)  # ms
    is_stream = pw.BooleanField(default=False)
    channel_id = pw.IntegerField(default=0)
    token_id = pw.IntegerField(default=0)
    group = pw.CharField(max_length=64, default="")
    ip = pw.CharField(max_length=64, default="")
    request_id = pw.CharField(max_length=64, default="")
    other = pw.TextField(default="")  # JSON: ratios, upstream model, retry chain, ...


class SchemaVersion(BaseModel):
    version = pw.IntegerField()


ALL_TABLES = (User, Token, Channel, Ability, Option, Log)


class ModelPriceRow(BaseModel):
    """The operator's price of one model; numbers kept as the decimal text typed (exact)."""
    model = pw.CharField(max_length=255, primary_key=True)
    ratio = pw.CharField(max_length=32, null=True)
    completion_ratio = pw.CharField(max_length=32, null=True)
    cache_ratio = pw.CharField(max_length=32, null=True)
    cache_write_ratio = pw.CharField(max_length=32, null=True)  # prompt-cache writes (migration 5)
    price = pw.CharField(max_length=32, null=True)  # USD per call
    updated_at = pw.BigIntegerField(default=0)

    class Meta:
        table_name = "model_price"


class Reservation(BaseModel):
    """Quota held for a request in flight; settlement deletes it (at most once)."""
    request_id = pw.CharField(max_length=64, primary_key=True)
    user_id = pw.IntegerField()
    token_id = pw.IntegerField()
    token_limited = pw.BooleanField(default=True)
    amount = pw.BigIntegerField()
    created_at = pw.BigIntegerField(default=0)


class QuotaData(BaseModel):
    """Hourly usage per user and model, for the dashboard."""
    user_id = pw.IntegerField()
    username = pw.CharField(max_length=32, default="")
    model_name = pw.CharField(max_length=255, default="")
    created_at = pw.BigIntegerField()  # start of the hour, unix seconds
    token_used = pw.BigIntegerField(default=0)
    count = pw.IntegerField(default=0)
    quota = pw.BigIntegerField(default=0)

    class Meta:
        table_name = "quota_data"
        indexes = ((("user_id", "model_name", "created_at"), True),)


class Redemption(BaseModel):
    user_id = pw.IntegerField(default=0)  # creator
    key = pw.CharField(max_length=32, unique=True)
    status = pw.IntegerField(default=1)  # 1 enabled, 2 disabled, 3 used
    name = pw.CharField(max_length=64, default="")
    quota = pw.BigIntegerField(default=0)
    created_time = pw.BigIntegerField(default=0)
    redeemed_time = pw.BigIntegerField(default=0)
    used_user_id = pw.IntegerField(default=0)
    expired_time = pw.BigIntegerField(default=0)  # 0 = never


class Checkin(BaseModel):
    user_id = pw.IntegerField()
    checkin_date = pw.CharField(max_length=10)  # YYYY-MM-DD in TZ
    quota_awarded = pw.BigIntegerField(default=0)
    created_at = pw.BigIntegerField(default=0)

    class Meta:
        indexes = ((("user_id", "checkin_date"), True),)


class JobState(BaseModel):
    """When scheduled jobs last ran (daily quota clear, log retention)."""
    name = pw.CharField(max_length=64, primary_key=True)
    value = pw.CharField(max_length=255, default="")

    class Meta:
        table_name = "job_state"


BILLING_TABLES = (ModelPriceRow, Reservation, QuotaData, Redemption, Checkin, JobState)


class RiskEvent(BaseModel):
    """A request refused for sensitive words: who, from where, which words, and where in the prompt."""
    created_at = pw.BigIntegerField(default=0)
    user_id = pw.IntegerField(default=0)
    username = pw.CharField(max_length=32, default="")
    token_id = pw.IntegerField(default=0)
    token_name = pw.CharField(max_length=64, default="")
    ip = pw.CharField(max_length=64, default="")
    model = pw.CharField(max_length=255, default="")
    words = pw.TextField(default="")  # one matched word per line
    excerpt = pw.TextField(default="")
    dialect = pw.CharField(max_length=16, default="")  # openai, anthropic, gemini
    action = pw.CharField(max_length=32, default="")  # refused or recorded, then ",banned" when it banned

    class Meta:
        table_name = "risk_event"
        indexes = ((("created_at",), False), (("user_id", "created_at"), False))


class LoginRecord(BaseModel):
    """One sign-in attempt, successful or not."""
    created_at = pw.BigIntegerField(default=0)
    user_id = pw.IntegerField(default=0)  # 0 when the username matched no user
    username = pw.CharField(max_length=64, default="")  # as typed
    ip = pw.CharField(max_length=64, default="")
    user_agent = pw.CharField(max_length=255, default="")
    success = pw.BooleanField(default=False)

    class Meta:
        table_name = "login_record"
        indexes = ((("created_at",), False), (("user_id", "created_at"), False), (("ip", "created_at"), False))


RISK_TABLES = (RiskEvent, LoginRecord)


class TopUpOrder(BaseModel):
    """An online top-up order (new-api's top_ups): credited once, when the paid notify arrives (migration 7)."""
    trade_no = pw.CharField(max_length=64, unique=True)  # ours: out_trade_no at the gateway
    user_id = pw.IntegerField(index=True)
    amount = pw.BigIntegerField(default=0)  # US dollars of quota bought
    money = pw.CharField(max_length=32, default="0.00")  # what the user pays, exact decimal text
    quota = pw.BigIntegerField(default=0)  # credited when paid
    payment_method = pw.CharField(max_length=32, default="")  # the gateway's type code (alipay, wxpay, ...)
    provider = pw.CharField(max_length=16, default="epay")
    status = pw.CharField(max_length=16, default="pending")  # pending / success
    gateway_trade_no = pw.CharField(max_length=64, default="")
    create_time = pw.BigIntegerField(default=0)
    complete_time = pw.BigIntegerField(default=0)

    class Meta:
        table_name = "top_up"


TOPUP_TABLES = (TopUpOrder,)


class VerificationCode(BaseModel):
    """A mailed verification code (migration 9): its keyed hash, until it is used, burnt or expired.

    In the database rather than in memory so that any gateway of a cluster accepts a code another one sent."""
    purpose = pw.CharField(max_length=16)  # register
    address = pw.CharField(max_length=254)  # lower-cased
    code_hash = pw.CharField(max_length=64)  # HMAC-SHA256 (hex) keyed with the session secret; never the code
    expires_at = pw.BigIntegerField()  # unix seconds
    attempts = pw.IntegerField(default=0)  # guesses counted so far, the right one included

    class Meta:
        table_name = "verification_code"
        indexes = ((("purpose", "address"), True), (("expires_at",), False))


MAIL_TABLES = (VerificationCode,)
