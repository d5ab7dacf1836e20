"""Input for the learning-site directory: the visitor's filters and point of origin, and the
staff form that adds or changes a site (saved by ``services.sites``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.toolkit import geo
from pmhc.toolkit.models import Offer, ProgramTypeCode, Specialty
from pmhc.toolkit.selectors.sites import SiteFilters

#: The Census Bureau's four regions, with labels that can be translated.
REGION_LABELS = {
    "Northeast": _("Northeast"),
    "Midwest": _("Midwest"),
    "South": _("South"),
    "West": _("West"),
}
CITY_LIST = _("the offline list of U.S. cities (places of more than 15,000 people)")


def state_choices() -> list[tuple[str, str]]:
    return sorted(geo.state_names().items(), key=lambda item: item[1])


def _latitude(label: Any, **kwargs: Any) -> forms.DecimalField:
    message = _("Latitude must be between -90 and 90 degrees.")
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        error_messages={
            "invalid": _("Enter the latitude in decimal degrees, e.g. 32.22174."),
            "min_value": message,
            "max_value": message,
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


def _longitude(label: Any, **kwargs: Any) -> forms.DecimalField:
    message = _("Longitude must be between -180 and 180 degrees.")
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        error_messages={
            "invalid": _("Enter the longitude in decimal degrees, e.g. -110.92648."),
            "min_value": message,
            "max_value": message,
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


class SiteDirectoryForm(USWDSMixin, forms.Form):
    """The directory's GET form: what to show, and where to measure distances from."""

    FILTER_FIELDS = ("state", "region", "program_type", "specialty")
    ORIGIN_FIELDS = ("near_state", "near_city", "near_latitude", "near_longitude")

    state = forms.ChoiceField(label=_("State"), required=False)
    region = forms.ChoiceField(
        label=_("Census region"),
        required=False,
        choices=[("", _("Any region")), *REGION_LABELS.items()],
    )
    program_type = forms.ChoiceField(
        label=_("Program type"),
        required=False,
        choices=[("", _("Any program type")), *ProgramTypeCode.choices],
    )
    specialty = forms.ChoiceField(
        label=_("Specialty"),
        required=False,
        choices=[("", _("Any specialty")), *Specialty.choices],
    )
    near_state = forms.ChoiceField(label=_("Your state"), required=False)
    near_city = forms.CharField(
        label=_("Your city"),
        required=False,
        max_length=100,
        help_text=_("In the state chosen above; leave empty to measure from the state as a whole."),
    )
    near_latitude = _latitude(
        _("Or a point: latitude"), help_text=_("Decimal degrees, e.g. 32.22174.")
    )
    near_longitude = _longitude(
        _("Longitude"), help_text=_("Decimal degrees, west is negative, e.g. -110.92648.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        states = state_choices()
        self.fields["state"].choices = [("", _("Any state")), *states]  # type: ignore[attr-defined]
        self.fields["near_state"].choices = [("", _("Choose a state")), *states]  # type: ignore[attr-defined]
        self.origin: geo.Point | None = None
        self.origin_label = ""

    def filter_fields(self) -> list[BoundField]:
        return [self[name] for name in self.FILTER_FIELDS]

    def origin_fields(self) -> list[BoundField]:
        return [self[name] for name in self.ORIGIN_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        latitude, longitude = data.get("near_latitude"), data.get("near_longitude")
        state, city = data.get("near_state", ""), data.get("near_city", "").strip()
        names = geo.state_names()
        if latitude is not None or longitude is not None:
            if latitude is None:
                self.add_error("near_latitude", _("Enter a latitude to go with the longitude."))
            elif longitude is None:
                self.add_error("near_longitude", _("Enter a longitude to go with the latitude."))
            else:
                self.origin = (float(latitude), float(longitude))
                self.origin_label = _("the point %(lat)s, %(lon)s") % {
                    "lat": f"{latitude:.4f}",
                    "lon": f"{longitude:.4f}",
                }
        elif city:
            if not state:
                self.add_error("near_state", _("Choose the state your city is in."))
            else:
                found = geo.find_city(city, state)
                if found is None:
                    self.add_error(
                        "near_city",
                        _(
                            "“%(city)s” is not in %(list)s for %(state)s. Check the spelling, "
                            "or leave the city empty to measure from the state."
                        )
                        % {"city": city, "list": CITY_LIST, "state": names[state]},
                    )
                else:
                    self.origin = (found.latitude, found.longitude)
                    self.origin_label = f"{found.name}, {names[state]}"
        elif state:
            self.origin = geo.state_reference_point(state)
            self.origin_label = names[state]
        return data

    def filters(self) -> SiteFilters:
        """The filters that were valid (an invalid one is ignored and shown as an error)."""
        data = getattr(self, "cleaned_data", {})
        return SiteFilters(
            state=data.get("state", ""),
            region=data.get("region", ""),
            program_type=data.get("program_type", ""),
            specialty=data.get("specialty", ""),
        )


class SiteForm(USWDSMixin, forms.Form):
    """A learning site, as TTA staff enter it."""

    agency = forms.CharField(
        label=_("Agency"),
        max_length=200,
        error_messages={"required": _("Enter the agency's name.")},
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for a site that serves several places (e.g. three counties)."),
    )
    state = forms.ChoiceField(
        label=_("State"),
        error_messages={"required": _("Choose the state the site is in.")},
    )
    locate = forms.BooleanField(
        label=_("Find the map position from the city and state"),
        required=False,
        help_text=_(
            "Used when latitude and longitude are empty: looks the city up in the offline list "
            "of U.S. cities (places of more than 15,000 people)."
        ),
    )
    latitude = _latitude(_("Latitude"), help_text=_("Decimal degrees, e.g. 32.22174."))
    longitude = _longitude(
        _("Longitude"),
        help_text=_("Decimal degrees, west is negative, e.g. -110.92648. Enter both or neither."),
    )
    program_types = forms.MultipleChoiceField(
        label=_("Program types it practises"),
        choices=ProgramTypeCode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    specialties = forms.MultipleChoiceField(
        label=_("Specialties"),
        choices=Specialty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    offers = forms.MultipleChoiceField(
        label=_("What it offers"),
        choices=Offer.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agency_size = forms.CharField(
        label=_("Agency size"),
        max_length=100,
        required=False,
        help_text=_("e.g. the number of sworn officers."),
    )
    population_served = forms.IntegerField(
        label=_("Population served"),
        required=False,
        min_value=0,
        error_messages={
            "invalid": _("Enter the population as a whole number, without commas."),
            "min_value": _("The population cannot be negative."),
        },
    )
    description = forms.CharField(
        label=_("What it can help with"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, lists with -, links as [text](https://…)."),
    )
    contact_name = forms.CharField(
        label=_("Contact name"),
        max_length=200,
        required=False,
        help_text=_("Shown publicly: the contact the site publishes."),
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        required=False,
        error_messages={"invalid": _("Enter an e-mail address like name@agency.gov.")},
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    is_active = forms.BooleanField(
        label=_("Show this site in the public directory and on the map"),
        required=False,
        initial=True,
    )
    is_former = forms.BooleanField(
        label=_("Former learning site: the program no longer lists it"),
        required=False,
        help_text=_("Shown apart under “Former learning sites”, never on the map or matched."),
    )
    visit_includes = forms.CharField(
        label=_("What a visit includes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("Where this listing comes from, e.g. an announcement and its year."),
    )

    SERVICE_FIELDS = (
        "agency",
        "city",
        "state",
        "latitude",
        "longitude",
        "program_types",
        "specialties",
        "offers",
        "agency_size",
        "population_served",
        "description",
        "contact_name",
        "contact_email",
        "contact_phone",
        "is_active",
        "is_former",
        "visit_includes",
        "source",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Choose a state")), *state_choices()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        if latitude is None and longitude is not None:
            self.add_error("latitude", _("Enter a latitude to go with the longitude."))
        elif longitude is None and latitude is not None:
            self.add_error("longitude", _("Enter a longitude to go with the latitude."))
        elif latitude is None and data.get("locate"):
            city, state = data.get("city", ""), data.get("state", "")
            if not city:
                self.add_error("city", _("Enter the city to find its position, or untick it."))
            elif state:
                found = geo.find_city(city, state)
                if found is None:
                    self.add_error(
                        "city",
                        _("“%(city)s” is not in %(list)s; enter latitude and longitude instead.")
                        % {"city": city, "list": CITY_LIST},
                    )
                else:
                    data["latitude"] = Decimal(str(found.latitude))
                    data["longitude"] = Decimal(str(found.longitude))
        return data

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}
