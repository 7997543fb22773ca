"""Customer look-ups shared by the capture form, the API and intake channels."""

from django.db.models import Q, QuerySet

from kefu.customers.models import Customer, CustomerPhone
from kefu.customers.phones import phone_key


def customer_by_contact(*, phone: str = "", email: str = "") -> Customer | None:
    """By phone (only a valid number ever matches), then by email."""
    phone = phone_key(phone)
    email = (email or "").strip().lower()
    if phone:
        found = Customer.objects.filter(phones__number=phone).order_by("id").first()
        if found:
            return found
    if email:
        return Customer.objects.filter(emails__address=email).order_by("id").first()
    return None


def customer_by_phone(phone: str) -> Customer | None:
    """The first customer (lowest id) holding this normalized phone number.

    What `customer_by_contact(phone=...)` finds, in SQL: every work order recorded by phone asks
    it, and the ORM took four times as long to build the statement as the database to answer it.
    """
    if not phone:
        return None
    sql = (
        f"SELECT c.* FROM {Customer._meta.db_table} c JOIN {CustomerPhone._meta.db_table} p "
        "ON p.customer_id = c.id WHERE p.number = %s ORDER BY c.id LIMIT 1"
    )
    return next(iter(Customer.objects.raw(sql, [phone])), None)


def customer_search(query: str) -> QuerySet:
    """By any phone (full or the last digits), any email, or the name."""
    query = (query or "").strip()
    qs = Customer.objects.all()
    if not query:
        return qs.order_by("-id")
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = Q(name__icontains=query) | Q(emails__address__iexact=query.lower())
    if phone_key(query):
        condition |= Q(phones__number=phone_key(query))
    if len(digits) >= 4 and digits == query.replace(" ", "").replace("-", ""):
        condition |= Q(phones__number__endswith=digits)
    ids = qs.filter(condition).values("pk").distinct()
    return Customer.objects.filter(pk__in=ids).prefetch_related("phones", "emails").order_by("-id")


# --- Issue 14, part 3: customers of an import's lines, a batch at a time ------------------------


def customer_ids_by_keys(
    *, ids: set[int], phones: set[str], emails: set[str]
) -> tuple[set[int], dict[str, int], dict[str, int]]:
    """(existing ids, phone → customer id, email → customer id) for a batch of import lines: the
    look-ups `customer_by_contact` makes for one (the lowest id holding a number or an address),
    in three queries. `phones` are stored forms (phone_key), `emails` lower-case."""
    from django.db.models import Min

    from kefu.customers.models import CustomerEmail

    known = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    by_phone = dict(
        CustomerPhone.objects.filter(number__in=phones).order_by().values_list("number").annotate(Min("customer_id"))
    ) if phones else {}  # fmt: skip
    by_email = dict(
        CustomerEmail.objects.filter(address__in=emails).order_by().values_list("address").annotate(Min("customer_id"))
    ) if emails else {}  # fmt: skip
    return known, by_phone, by_email
