"""Customers' phone numbers in the form customers/phones.py stores, and none that is not a number.

A valid number is rewritten in its stored form (the home region's numbers were already stored so;
a foreign number that lost its "+" gets it back: 447911123456 → +447911123456). A number that is
not valid (12345, an extension) is no longer a phone of the record — it would match, and merge, the
next contact who gives the same digits — and is kept, word for word, at the end of the customer's note.
Reversing leaves the numbers as they are.
"""

import phonenumbers
from django.conf import settings
from django.db import migrations, models

NOTE = "以前记录的号码无效，不再用于识别顾客 / Not a valid phone number, no longer used to find the customer: "


def _key(raw: str, region: str) -> str:
    raw = (raw or "").strip()
    candidates = [raw]
    if raw.isdigit() and not raw.startswith("0"):
        candidates.append("+" + raw)  # the old digits-only form dropped a foreign number's "+"
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        if number.country_code == phonenumbers.country_code_for_region(region):
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            return "".join(ch for ch in national if ch.isdigit())
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def normalise(apps, schema_editor):
    CustomerPhone = apps.get_model("customers", "CustomerPhone")
    Customer = apps.get_model("customers", "Customer")
    region = getattr(settings, "KEFU_PHONE_REGION", "CN") or "CN"
    held = set(CustomerPhone.objects.values_list("customer_id", "number"))
    for phone in CustomerPhone.objects.order_by("id").iterator(chunk_size=2000):
        key = _key(phone.number, region)
        if key == phone.number:
            continue
        if not key:
            customer = Customer.objects.get(pk=phone.customer_id)
            customer.note = (customer.note.rstrip() + "\n" if customer.note.strip() else "") + NOTE + phone.number
            customer.save(update_fields=["note"])
            phone.delete()
        elif (phone.customer_id, key) in held:
            phone.delete()  # the record holds the number already, written the other way
        else:
            held.add((phone.customer_id, key))
            phone.number = key
            phone.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="customerphone",
            name="number",
            field=models.CharField(
                db_index=True,
                help_text="A valid number, stored as dialled at home (13800138000, 01012345678) or +E.164 abroad.",
                max_length=30,
                verbose_name="phone",
            ),
        ),
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
