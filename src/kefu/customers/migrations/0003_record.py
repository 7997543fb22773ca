"""The customer file (客户档案), the value-tier ladder (客户分级), orders and payments.

The fixed tier choices become rungs of an editable ladder. Every install gets the seed's ladder
A / B / C (C the fallback, where every customer starts). The old choices map onto it without
losing anything: "standard" (the old default) is C; a customer on silver, gold or VIP keeps that
tier as a rung of its own, named as before and ranked above A, until an administrator folds it into
the ladder (tickets 0009 and callbacks 0005 rename "standard" in SLA policies and callback plans).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SEED_LADDER = [("A", "A 类客户", 3, False, True), ("B", "B 类客户", 2, False, False), ("C", "C 类客户", 1, True, False)]
LEGACY = {"silver": ("银卡客户 · Silver", 4), "gold": ("金卡客户 · Gold", 5), "vip": ("贵宾客户 · VIP", 6)}


def ladder_from_fixed_tiers(apps, schema_editor):
    TierLevel = apps.get_model("customers", "TierLevel")
    Customer = apps.get_model("customers", "Customer")
    for code, name, rank, fallback, responsible in SEED_LADDER:
        TierLevel.objects.get_or_create(
            code=code,
            defaults={"name": name, "rank": rank, "is_fallback": fallback, "needs_responsible": responsible},
        )
    Customer.objects.filter(tier__in=["standard", ""]).update(tier="C")
    for code in Customer.objects.exclude(tier__in=["A", "B", "C"]).values_list("tier", flat=True).distinct():
        name, rank = LEGACY.get(code, (code, 4))
        TierLevel.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0002_phone_numbers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerTag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=40, unique=True, verbose_name='name')),
            ],
            options={
                'verbose_name': 'customer tag',
                'verbose_name_plural': 'customer tags',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='TierLevel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=10, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('rank', models.PositiveSmallIntegerField(default=0, help_text='Higher is better.', verbose_name='rank')),
                ('is_fallback', models.BooleanField(default=False, help_text='Customers matching no other tier are here.', verbose_name='fallback')),
                ('conditions', models.JSONField(blank=True, default=list, help_text='Any one of them places a customer on this tier.', verbose_name='conditions')),
                ('needs_responsible', models.BooleanField(default=False, help_text='专人负责: one named person looks after each customer.', verbose_name='needs a responsible person')),
                ('routing_priority', models.SmallIntegerField(default=0, help_text="Added to the priority of this tier's contacts in queues.", verbose_name='routing priority')),
            ],
            options={
                'verbose_name': 'customer tier',
                'verbose_name_plural': 'customer tiers',
                'ordering': ['-rank', 'code'],
            },
        ),
        migrations.AddField(
            model_name='customer',
            name='address',
            field=models.CharField(blank=True, max_length=300, verbose_name='address'),
        ),
        migrations.AddField(
            model_name='customer',
            name='anonymised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='anonymised at'),
        ),
        migrations.AddField(
            model_name='customer',
            name='birth_day',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='birthday day'),
        ),
        migrations.AddField(
            model_name='customer',
            name='birth_month',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='birthday month'),
        ),
        migrations.AddField(
            model_name='customer',
            name='birth_year',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='year of birth'),
        ),
        migrations.AddField(
            model_name='customer',
            name='birthday_calendar',
            field=models.CharField(choices=[('solar', 'Solar (公历)'), ('lunar', 'Lunar (农历)')], default='solar', max_length=5, verbose_name='birthday calendar'),
        ),
        migrations.AddField(
            model_name='customer',
            name='birthday_leap_month',
            field=models.BooleanField(default=False, verbose_name='leap month (闰月)'),
        ),
        migrations.AddField(
            model_name='customer',
            name='company',
            field=models.CharField(blank=True, max_length=200, verbose_name='company'),
        ),
        migrations.AddField(
            model_name='customer',
            name='consent_email',
            field=models.BooleanField(default=True, verbose_name='may receive email'),
        ),
        migrations.AddField(
            model_name='customer',
            name='consent_phone',
            field=models.BooleanField(default=True, verbose_name='may be called'),
        ),
        migrations.AddField(
            model_name='customer',
            name='consent_sms',
            field=models.BooleanField(default=True, verbose_name='may receive SMS'),
        ),
        migrations.AddField(
            model_name='customer',
            name='custom',
            field=models.JSONField(blank=True, default=dict, verbose_name='custom fields'),
        ),
        migrations.AddField(
            model_name='customer',
            name='customer_since',
            field=models.DateField(blank=True, help_text='When the relationship began; the tenure counts from it.', null=True, verbose_name='customer since'),
        ),
        migrations.AddField(
            model_name='customer',
            name='flags',
            field=models.JSONField(blank=True, default=list, help_text='Set by hand: known brand, deputy, welfare enterprise…', verbose_name='flags'),
        ),
        migrations.AddField(
            model_name='customer',
            name='gender',
            field=models.CharField(blank=True, choices=[('', 'Not stated'), ('female', 'Female'), ('male', 'Male')], default='', max_length=6, verbose_name='gender'),
        ),
        migrations.AddField(
            model_name='customer',
            name='industry',
            field=models.CharField(blank=True, max_length=100, verbose_name='industry'),
        ),
        migrations.AddField(
            model_name='customer',
            name='interests',
            field=models.TextField(blank=True, verbose_name='interests'),
        ),
        migrations.AddField(
            model_name='customer',
            name='kind',
            field=models.CharField(choices=[('person', 'Person'), ('organisation', 'Organisation')], default='person', max_length=12, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='customer',
            name='organisation',
            field=models.ForeignKey(blank=True, help_text='The organisation this person is a contact of.', limit_choices_to={'kind': 'organisation'}, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='members', to='customers.customer', verbose_name='organisation'),
        ),
        migrations.AddField(
            model_name='customer',
            name='owner',
            field=models.ForeignKey(blank=True, help_text='专人负责: the colleague who looks after this customer.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_customers', to=settings.AUTH_USER_MODEL, verbose_name='responsible person'),
        ),
        migrations.AddField(
            model_name='customer',
            name='referred_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='referrals', to='customers.customer', verbose_name='referred by'),
        ),
        migrations.AddField(
            model_name='customer',
            name='relationship',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'New (初识)'), (2, 'Acquainted (一般)'), (3, 'Good (良好)'), (4, 'Close (密切)'), (5, 'Strategic (战略)')], null=True, verbose_name='relationship level'),
        ),
        migrations.AddField(
            model_name='customer',
            name='source',
            field=models.CharField(blank=True, choices=[('phone', 'Hotline'), ('web', 'Website or portal'), ('walk_in', 'Walk-in'), ('referral', 'Referral'), ('event', 'Event or promotion'), ('sales', 'Sales visit'), ('import', 'Imported'), ('other', 'Other')], max_length=10, verbose_name='source'),
        ),
        migrations.AddField(
            model_name='customer',
            name='tags',
            field=models.ManyToManyField(blank=True, related_name='customers', to='customers.customertag', verbose_name='tags'),
        ),
        migrations.CreateModel(
            name='Order',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(default='manual', max_length=40, verbose_name='source system')),
                ('external_id', models.CharField(max_length=64, verbose_name='external id')),
                ('kind', models.CharField(choices=[('order', 'Order'), ('refund', 'Refund')], default='order', max_length=6, verbose_name='kind')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount (元)')),
                ('placed_at', models.DateTimeField(db_index=True, verbose_name='placed at')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='description')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='orders', to='customers.customer', verbose_name='customer')),
                ('refund_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='customers.order', verbose_name='refund of')),
            ],
            options={
                'verbose_name': 'order',
                'verbose_name_plural': 'orders',
                'ordering': ['-placed_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Payment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(default='manual', max_length=40, verbose_name='source system')),
                ('external_id', models.CharField(max_length=64, verbose_name='external id')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount (元)')),
                ('paid_at', models.DateTimeField(db_index=True, verbose_name='paid at')),
                ('method', models.CharField(blank=True, max_length=40, verbose_name='method')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='payments', to='customers.customer', verbose_name='customer')),
                ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='payments', to='customers.order', verbose_name='order')),
            ],
            options={
                'verbose_name': 'payment',
                'verbose_name_plural': 'payments',
                'ordering': ['-paid_at', '-id'],
            },
        ),
        migrations.RunPython(ladder_from_fixed_tiers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='customer',
            name='tier',
            field=models.ForeignKey(db_column='tier', default='C', on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='customers.tierlevel', to_field='code', verbose_name='tier'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['customer', 'placed_at'], name='customers_o_custome_766d9f_idx'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.UniqueConstraint(fields=('source', 'external_id'), name='order_external_unique'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['customer', 'paid_at'], name='customers_p_custome_dd645d_idx'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(fields=('source', 'external_id'), name='payment_external_unique'),
        ),
    ]
