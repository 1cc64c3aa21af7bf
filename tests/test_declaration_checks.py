"""A wrong ``Simpul`` declaration stops the start with one message: the model, the entry, the bad name, a suggestion.

Each mistake is made on a throwaway pair of models built inside the test
(``Region``, ``Announcement``), whose relations are resolved in a Tortoise
context of their own so that the suite's models and database never see them.
"""
from __future__ import annotations

import re
import types

import httpx
import pytest
from tortoise import Tortoise, fields
from tortoise.context import TortoiseContext
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.signals import Signals, pre_save
from tortoise.validators import MaxValueValidator, MinLengthValidator, RegexValidator

from models import App
from models.checks import DeclarationError
from models.registry import Registry, build_registry, registry_from_modules
from permissions.defaults import declared_rules
from tests.conftest import TEST_MODEL_MODULES, GraphQLClient

#: The correct declaration of Announcement; each test changes one entry.
GOOD = {
    "plural": "announcements",
    "filterable": ("title", "views", "region"),
    "sortable": ("title", "views"),
    "searchable": ("title", "body"),
    "regency_path": "region__code",
    "personal": ("author_email",),
    "admin_columns": ("title", "region"),
    "label_field": "title",
    "grants": {"public": ("read",)},
}


def upcoming() -> Q:
    """Views still to come (a condition as models declare them)."""
    return Q(views__lt=10)


async def check_announcement(row, relations) -> None:
    """A declared cross-field check."""


def registry_with(**simpul) -> Registry:
    """Build the registry of Region and an Announcement declared as ``GOOD`` changed by ``simpul``.

    An entry given as ``...`` is left out of the block.
    """
    entries = {k: v for k, v in {**GOOD, **simpul}.items() if v is not ...}

    class Region(Model):
        id = fields.IntField(primary_key=True)
        code = fields.CharField(max_length=5)
        name = fields.CharField(max_length=100)

        class Simpul:
            plural = "regions"
            regency_path = "code"
            searchable = ("name",)

    class Announcement(Model):
        """A notice a region posts."""

        id = fields.IntField(primary_key=True)
        title = fields.CharField(max_length=200)
        body = fields.TextField()
        views = fields.IntField(default=0)
        author_email = fields.CharField(max_length=120)
        region = fields.ForeignKeyField("checks.Region", related_name="announcements")
        Simpul = type("Simpul", (), entries)

    module = types.ModuleType("declaration_mistakes")
    module.Region, module.Announcement = Region, Announcement
    with TortoiseContext():  # resolves the relations without touching the suite's models
        Tortoise.init_models([module], "checks")
    return build_registry([Region, Announcement])


def refused(message: str, **simpul) -> None:
    """The declaration changed by ``simpul`` stops the registry with exactly ``message``."""
    with pytest.raises(DeclarationError) as caught:
        registry_with(**simpul)
    assert str(caught.value) == message


# --- the declarations that pass ---------------------------------------------------------------


def test_the_throwaway_declaration_is_correct_to_start_with():
    registry = registry_with(
        published={"title__not": "", "region__code__in": ["32.15"], "views__gte": 0, "pk__gt": 0},
        default_order=("-views", "title"),
        readonly=("views",), hidden=(), conditions={"upcoming": upcoming}, validator=check_announcement,
        operations=["list", "get"],  # a list is as good as a tuple
    )
    assert registry.names() == ["Region", "Announcement"]
    assert registry["Announcement"].declaration.operations == ("list", "get")


def test_the_products_declarations_pass_every_check():
    for modules in (["models"], list(TEST_MODEL_MODULES)):
        registry = registry_from_modules(modules)
        assert {"Agreement", "App", "Complaint", "Regency"} <= set(registry.names())
        assert declared_rules(registry)  # and every granted action is an action


# --- entry names ------------------------------------------------------------------------------


def test_a_misspelt_entry_is_refused_with_a_suggestion():
    refused(
        "Announcement.Simpul has the entry 'serchable', which is not a declaration entry; did you mean 'searchable'?",
        serchable=("title",),
    )


def test_a_missing_plural_is_refused():
    refused('Announcement.Simpul has no plural: name the list query (plural = "...").', plural=...)


# --- field names ------------------------------------------------------------------------------


def test_searchable_names_a_field_that_does_not_exist():
    refused(
        "Announcement.Simpul.searchable names 'titel', which is not a field of Announcement; did you mean 'title'?",
        searchable=("titel",),
    )


def test_searchable_names_a_field_that_is_not_text():
    refused(
        "Announcement.Simpul.searchable names 'views', which is a field of Announcement of type int; "
        "searchable takes text fields.",
        searchable=("title", "views"),
    )


def test_filterable_names_a_field_that_does_not_exist():
    refused(
        "Announcement.Simpul.filterable names 'regoin', which is not a field of Announcement; did you mean 'region'?",
        filterable=("title", "regoin"),
    )


def test_filterable_names_the_column_behind_a_relation():
    refused(
        "Announcement.Simpul.filterable names 'region_id', the column behind the relation 'region'; "
        "name the relation instead.",
        filterable=("region_id",),
    )


def test_sortable_names_a_relation():
    refused(
        "Announcement.Simpul.sortable names 'region', which is a relation of Announcement (to Region); "
        "sortable takes scalar fields.",
        sortable=("title", "region"),
    )


@pytest.mark.parametrize("entry", ["personal", "readonly", "hidden", "admin_columns"])
def test_field_lists_name_fields_of_the_model(entry):
    refused(
        f"Announcement.Simpul.{entry} names 'author_mail', which is not a field of Announcement; "
        "did you mean 'author_email'?",
        **{entry: ("author_mail",)},
    )


def test_label_field_is_a_scalar_field():
    refused(
        "Announcement.Simpul.label_field names 'region', which is a relation of Announcement (to Region); "
        "label_field takes a scalar field.",
        label_field="region",
    )


def test_default_order_names_scalar_fields_with_an_optional_minus():
    refused(
        "Announcement.Simpul.default_order names 'veiws', which is not a field of Announcement; did you mean 'views'?",
        default_order=("-veiws", "title"),
    )


# --- ORM paths --------------------------------------------------------------------------------


def test_regency_path_names_a_field_of_the_related_model():
    refused(
        "Announcement.Simpul.regency_path 'region__cod' names 'cod', which is not a field of Region; "
        "did you mean 'code'?",
        regency_path="region__cod",
    )


def test_regency_path_follows_foreign_keys_only():
    refused(
        "Announcement.Simpul.regency_path 'title__code' goes through 'title', a field of Announcement that is "
        "not a foreign key; every step but the last must follow a foreign key.",
        regency_path="title__code",
    )


def test_regency_path_ends_at_a_field_not_at_a_relation():
    refused(
        "Announcement.Simpul.regency_path 'region' ends at 'region', a relation of Announcement; "
        "end it at a field of Region (such as 'region__code').",
        regency_path="region",
    )


def test_published_key_names_a_field_of_the_model():
    refused(
        "Announcement.Simpul.published key 'titel__not' names 'titel', which is not a field of Announcement; "
        "did you mean 'title'?",
        published={"titel__not": ""},
    )


def test_published_key_uses_a_lookup_tortoise_knows():
    refused(
        "Announcement.Simpul.published key 'views__nto' uses 'nto' after the field 'views', which is not a "
        "Tortoise lookup for it; did you mean 'not'?",
        published={"views__nto": 0},
    )


# --- shapes -----------------------------------------------------------------------------------


def test_a_string_where_a_tuple_belongs_is_refused():
    refused(
        "Announcement.Simpul.searchable is the string 'title', not a tuple of names; write ('title',) with the comma.",
        searchable=("title"),  # noqa: the missing comma is the mistake under test
    )


def test_a_name_that_is_not_a_string_is_refused():
    refused(
        "Announcement.Simpul.filterable holds 3, which is not a string; write names as strings.",
        filterable=("title", 3),
    )


def test_granted_actions_are_a_tuple_too():
    refused(
        "Announcement.Simpul.grants['public'] is the string 'read', not a tuple of actions; "
        "write ('read',) with the comma.",
        grants={"public": "read"},
    )


# --- plurals ----------------------------------------------------------------------------------


def test_plural_is_a_graphql_name():
    refused(
        "Announcement.Simpul.plural 'news items' is not a valid GraphQL name "
        "(letters, digits and _, not starting with a digit or __).",
        plural="news items",
    )


def test_plural_is_unique_across_the_registry():
    refused(
        "Announcement.Simpul.plural 'regions' is already the plural of Region: "
        "one of the two list queries would disappear.",
        plural="regions",
    )


def test_plural_is_not_another_models_single_query():
    refused(
        "Announcement.Simpul.plural 'region' is the name of the single query of Region (region(id: ...)): "
        "one of the two queries would disappear; choose another plural.",
        plural="region",
    )


# --- personal data ----------------------------------------------------------------------------


@pytest.mark.parametrize("entry, channel", [
    ("filterable", "by filtering (a count of 1 or 0)"),
    ("sortable", "by the order of the rows"),
    ("searchable", "through the search argument"),
])
def test_a_personal_field_is_never_filterable_sortable_or_searchable(entry, channel):
    refused(
        f"Announcement.Simpul.{entry} names 'author_email', which is personal (Announcement.Simpul.personal): "
        f"a caller could learn its value {channel} while the field itself reads null. "
        f"Take 'author_email' out of {entry}.",
        **{entry: ("title", "author_email")},
    )


def test_a_hidden_field_is_never_filterable_either():
    with pytest.raises(DeclarationError, match=re.escape(
        "Announcement.Simpul.filterable names 'author_email', which is hidden (Announcement.Simpul.hidden)"
    )):
        registry_with(personal=(), hidden=("author_email",), filterable=("author_email",))


# --- functions, operations, roles and actions -------------------------------------------------


def test_validator_is_an_async_function():
    def check(row, relations):
        return None

    refused(
        "Announcement.Simpul.validator is the plain function check; it must be an async function "
        "`async def check(row, relations)` (the write path awaits it).",
        validator=check,
    )


def test_condition_names_are_graphql_names():
    refused(
        "Announcement.Simpul.conditions names 'still upcoming', which is not a valid GraphQL field name "
        "(letters, digits and _, not starting with a digit).",
        conditions={"still upcoming": upcoming},
    )


def test_condition_names_do_not_clash_with_filter_entries():
    refused(
        "Announcement.Simpul.conditions names 'views', which is already an entry of AnnouncementFilter; "
        "choose another name.",
        conditions={"views": upcoming},
    )


def test_conditions_are_functions_of_no_argument():
    def upcoming_after(day):
        return Q(views__lt=day)

    with pytest.raises(DeclarationError) as caught:
        registry_with(conditions={"upcoming": upcoming_after})
    message = str(caught.value)
    assert message.startswith("Announcement.Simpul.conditions names 'upcoming' with <function ")
    assert message.endswith("a condition is a function of no argument that returns a Q, such as `def overdue() -> Q`.")


def test_operations_are_the_generated_ones():
    refused(
        "Announcement.Simpul.operations names 'updat', which is not an operation "
        "(list, get, create, update, delete); did you mean 'update'?",
        operations=("list", "updat"),
    )


def test_granted_roles_are_role_names():
    refused(
        "Announcement.Simpul.grants names the role 'Regency Staff', which is not a role name "
        "(lowercase letters, digits and _, starting with a letter, 2 to 63 characters).",
        grants={"Regency Staff": ("read",)},
    )


def test_granted_actions_are_actions_of_the_policy():
    registry = registry_with(grants={"public": ("raed",)})  # the models layer does not know the actions
    with pytest.raises(DeclarationError) as caught:
        declared_rules(registry)
    assert str(caught.value) == (
        "Announcement.Simpul.grants['public'] names 'raed', which is not an action "
        "(read, create, update, delete, transition, read_personal, submit, track, manage); did you mean 'read'?"
    )


# --- Tortoise field validators on the generic write path ----------------------------------------

CREATE_APP = "mutation($i: AppCreateInput!) { createApp(input: $i) { id slug } }"


def with_validator(monkeypatch, model, name, validator):
    field = model._meta.fields_map[name]
    monkeypatch.setattr(field, "validators", [*field.validators, validator])


async def test_a_field_validator_is_bad_user_input_naming_the_field(world, as_role, monkeypatch):
    # Given a name that must be letters and spaces (App.slug's own validator, models.app.SlugValidator, says its rule)
    with_validator(monkeypatch, App, "name", RegexValidator(r"^[A-Za-z ]+$", 0))
    kominfo = as_role("kominfo")
    # When Kominfo creates an app with a bad name
    body = await kominfo(CREATE_APP, {"i": {"name": "Segar-1", "slug": "segar", "category": "ECONOMY"}})
    # Then the caller learns which field and why, and nothing is written
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("BAD_USER_INPUT", "name")]
    assert body["errors"][0]["message"] == "name must match the pattern ^[A-Za-z ]+$."
    assert body["errors"][0]["extensions"]["reason"] == "PATTERN_MISMATCH"
    assert not await App.filter(slug="segar").exists()
    # and an update is checked the same way
    app_id = str(world.apps[0].id)
    body = await kominfo('mutation($id: ID!) { updateApp(id: $id, input: {slug: "NO"}) { slug } }', {"id": app_id})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "slug", "reason": "APP_SLUG_FORMAT"}
    assert (await App.get(id=app_id)).slug == world.apps[0].slug


async def test_a_default_that_breaks_a_field_validator_is_bad_user_input(world, as_role, monkeypatch):
    # Given a rule on a field the caller leaves to its default ("")
    with_validator(monkeypatch, App, "owner_unit", MinLengthValidator(1))
    # When an app is created without it
    body = await as_role("kominfo")(CREATE_APP, {"i": {"name": "Segar", "slug": "segar", "category": "ECONOMY"}})
    # Then that is the caller's input error on ownerUnit, not an internal one
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT", "field": "ownerUnit", "reason": "TOO_SHORT", "params": {"min": 1},
    }
    assert body["errors"][0]["message"] == "ownerUnit must be at least 1 character."
    assert not await App.filter(slug="segar").exists()


async def test_a_value_a_save_hook_sets_is_caught_at_save(world, as_role, monkeypatch):
    # Given a save hook that sets a slug the field's validator (models.app.SlugValidator) refuses
    async def shout(sender, instance, using_db, update_fields):
        instance.slug = instance.slug.upper()

    pre_save(App)(shout)
    try:
        # When an app is created, Tortoise's own check at save refuses the value
        body = await as_role("kominfo")(CREATE_APP, {"i": {"name": "Segar", "slug": "segar", "category": "ECONOMY"}})
    finally:
        App._listeners[Signals.pre_save][App].remove(shout)
    # Then it still reaches the caller as BAD_USER_INPUT on the field, with Tortoise's reason
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "slug", "reason": "NOT_VALID"}
    assert body["errors"][0]["message"] == (
        "slug is not valid: Value 'SEGAR' does not match regex '[a-z0-9]+(?:-[a-z0-9]+)*\\Z'"
    )
    assert not await App.filter(name="Segar").exists()


async def test_a_number_validator_on_a_declared_test_model(world, tokens, monkeypatch):
    from server.app import create_app
    from tests.throwaway_models import Kiosk

    with_validator(monkeypatch, Kiosk, "screens", MaxValueValidator(8))
    app = create_app(model_modules=TEST_MODEL_MODULES, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        body = await GraphQLClient(http, tokens["kominfo"])(
            "mutation($i: KioskCreateInput!) { createKiosk(input: $i) { id } }",
            {"i": {"location": "Lobi", "screens": 12, "regencyId": str(world.karawang.id)}},
        )
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT", "field": "screens", "reason": "TOO_LARGE", "params": {"max": 8},
    }
    assert body["errors"][0]["message"] == "screens must be at most 8."
    assert not await Kiosk.filter(location="Lobi").exists()
