"""`voapi-desktop channel add|list|test|enable|disable`."""

from __future__ import annotations

import asyncio
import json

from ..store import channels as service
from . import audited, given, store_for

COLUMNS = [("id", "ID"), ("name", "NAME"), ("type_name", "TYPE"), ("status_name", "STATUS"),
           ("priority", "PRIORITY"), ("weight", "WEIGHT"), ("models", "MODELS"), ("groups", "GROUPS"),
           ("response_time", "RESPONSE MS")]


def register(commands, common) -> None:
    channel = commands.add_parser("channel", help="manage upstream channels")
    actions = channel.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = common(actions.add_parser("add", help="add a channel; prints its id"), json_output=True)
    add.add_argument("--type", required=True, help="OpenAI, Azure, DeepSeek, Moonshot, OpenRouter, SiliconFlow, "
                                                   "xAI, Mistral, Groq, Ollama, Custom (or a type id)")
    add.add_argument("--name", required=True)
    add.add_argument("--key", required=True, help="API key; several keys on separate lines")
    add.add_argument("--base-url", default="", help="default: the type's official URL")
    add.add_argument("--models", required=True, help="comma-separated model names")
    add.add_argument("--group", default="default", help="comma-separated groups (default: default)")
    add.add_argument("--priority", type=int, default=0)
    add.add_argument("--weight", type=int, default=0)
    add.add_argument("--model-mapping", default="", help='JSON, e.g. {"gpt-4o": "gpt-4o-2024-08-06"}')
    add.add_argument("--param-override", default="", help="JSON merged into every request body")
    add.add_argument("--header-override", default="", help="JSON of extra upstream headers")
    add.add_argument("--status-code-mapping", default="", help='JSON, e.g. {"429": "500"}')
    add.add_argument("--key-mode", choices=service.KEY_MODES, default="random")
    add.add_argument("--test-model", default="")
    add.add_argument("--tag", default="")
    add.add_argument("--remark", default="")
    add.add_argument("--api-version", default="", help="Azure api-version (default AZURE_DEFAULT_API_VERSION)")
    add.add_argument("--no-auto-ban", action="store_true", help="never auto-disable this channel")
    add.set_defaults(handler=add_channel)

    listing = common(actions.add_parser("list", help="list channels"), json_output=True)
    listing.set_defaults(handler=list_channels)

    test = common(actions.add_parser("test", help="send a minimal request through a channel"), json_output=True)
    test.add_argument("id", type=int)
    test.add_argument("--model", default="")
    test.set_defaults(handler=test_channel)

    for name, status in (("enable", service.ENABLED), ("disable", service.MANUALLY_DISABLED)):
        sub = common(actions.add_parser(name, help=f"{name} a channel"))
        sub.add_argument("id", type=int)
        sub.set_defaults(handler=lambda args, status=status: set_status(args, status))


def add_channel(args) -> int:
    store_for(args)
    fields = dict(
        type=args.type, name=args.name, key=args.key.replace("\\n", "\n"), base_url=args.base_url,
        models=args.models, group=args.group, priority=args.priority, weight=args.weight,
        model_mapping=args.model_mapping, param_override=args.param_override,
        header_override=args.header_override, status_code_mapping=args.status_code_mapping,
        key_mode=args.key_mode, test_model=args.test_model, tag=args.tag, remark=args.remark,
        other=args.api_version, auto_ban=not args.no_auto_ban)
    info = service.create_channel(**fields)
    audited(f"add channel {info.name}", given(fields))
    print(json.dumps({"id": info.id}) if args.json else info.id)
    return 0


def _row(info: service.ChannelInfo) -> dict:
    return {"id": info.id, "name": info.name, "type": info.type, "type_name": info.type_name,
            "status": info.status, "status_name": service.STATUS_NAMES.get(info.status, str(info.status)),
            "status_reason": info.status_reason, "priority": info.priority, "weight": info.weight,
            "models": ",".join(info.models), "groups": ",".join(info.groups), "base_url": info.effective_base_url,
            "keys": len(info.keys), "response_time": info.response_time, "used_quota": info.used_quota,
            "tag": info.tag}


def list_channels(args) -> int:
    from ..cli import print_rows
    store_for(args)
    print_rows([_row(info) for info in service.list_channels()], COLUMNS, args.json)
    return 0


def test_channel(args) -> int:
    from ..gateway.channel_test import test_channel as run_test
    runtime = store_for(args)
    result = asyncio.run(run_test(service.get_channel(args.id), runtime.settings, args.model))
    if args.json:
        print(json.dumps(result.__dict__))
    else:
        verdict = "ok" if result.ok else f"FAILED (HTTP {result.status or '-'}): {result.message}"
        print(f"channel {result.channel_id} with {result.model}: {verdict} in {result.elapsed_ms} ms")
    return 0 if result.ok else 1


def set_status(args, status: int) -> int:
    store_for(args)
    info = service.set_channel_status(args.id, status)
    audited(f"{'enable' if status == service.ENABLED else 'disable'} channel {info.id}", ["status"])
    print(f"channel {info.id} is {service.STATUS_NAMES[info.status]}")
    return 0
