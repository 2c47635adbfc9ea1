"""Prices and discount terms with effective dates (R37), and the day a
subscription's rate was set (R38). The catalogue's rows so far are in force from
its start; should several discount-terms rows exist, the first (the one in force
until now) stays the latest."""

import datetime

from django.db import migrations, models

START = datetime.date(2000, 1, 1)


def date_terms(apps, schema_editor):
    DiscountPolicy = apps.get_model("subscriptions", "DiscountPolicy")
    for i, policy in enumerate(DiscountPolicy.objects.order_by("pk")):
        policy.effective_from = START - datetime.timedelta(days=i)
        policy.save(update_fields=["effective_from"])


class Migration(migrations.Migration):

    dependencies = [
        ('subscriptions', '0003_apps'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='discountpolicy',
            options={'ordering': ['effective_from'], 'verbose_name': 'discount terms', 'verbose_name_plural': 'discount terms'},
        ),
        migrations.AlterModelOptions(
            name='price',
            options={'ordering': ['product', 'currency', 'effective_from'], 'verbose_name': 'price', 'verbose_name_plural': 'prices'},
        ),
        migrations.RemoveConstraint(
            model_name='price',
            name='price_product_currency',
        ),
        migrations.AddField(
            model_name='chargeperiod',
            name='rate_since',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='discountpolicy',
            name='effective_from',
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name='effective from'),
        ),
        migrations.RunPython(date_terms, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='discountpolicy',
            name='effective_from',
            field=models.DateField(default=datetime.date(2000, 1, 1), unique=True, verbose_name='effective from'),
        ),
        migrations.AddField(
            model_name='price',
            name='effective_from',
            field=models.DateField(default=datetime.date(2000, 1, 1), help_text='First day billed at this price.', verbose_name='effective from'),
        ),
        migrations.AddField(
            model_name='subscription',
            name='rate_since',
            field=models.DateField(blank=True, null=True, verbose_name='rate set on'),
        ),
        migrations.AddConstraint(
            model_name='price',
            constraint=models.UniqueConstraint(fields=('product', 'currency', 'effective_from'), name='price_product_currency_from'),
        ),
    ]
