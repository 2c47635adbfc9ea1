"""Statement lines that can be recomputed by hand (R36): the client number,
company ID and kind on each line, the month's summary on the statement, and the
rendered PDFs. Lines issued before carry the client's number and company ID as
they are now, and the kind of their product; their figures are left as issued."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def describe_issued_lines(apps, schema_editor):
    StatementLine = apps.get_model("billing", "StatementLine")
    Client = apps.get_model("clients", "Client")
    ChargePeriod = apps.get_model("subscriptions", "ChargePeriod")
    client = Client.objects.filter(pk=OuterRef("client_id"))
    StatementLine.objects.filter(client__isnull=False).update(
        client_number=Coalesce(Subquery(client.values("client_number")[:1]), Value("")),
        company_id=Coalesce(Subquery(client.values("company_id")[:1]), Value("")),
    )
    kinds = ChargePeriod.objects.filter(
        firm_id=OuterRef("firm_id"), subscription_ref=OuterRef("subscription_ref")
    ).values("product__kind")[:1]
    StatementLine.objects.update(kind=Coalesce(Subquery(kinds), Value("")))


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('practice', '0006_two_step'),
        ('clients', '0010_company_wholesale_left_rate'),
        ('subscriptions', '0004_dated_prices_and_terms'),
    ]

    operations = [
        migrations.AddField(
            model_name='statement',
            name='summary',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='statementline',
            name='client_number',
            field=models.CharField(blank=True, max_length=100, verbose_name='client number'),
        ),
        migrations.AddField(
            model_name='statementline',
            name='company_id',
            field=models.CharField(blank=True, max_length=20, verbose_name='company ID'),
        ),
        migrations.AddField(
            model_name='statementline',
            name='kind',
            field=models.CharField(blank=True, max_length=10, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='StatementPdf',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(max_length=10)),
                ('content', models.BinaryField(null=True)),
                ('error', models.TextField(blank=True)),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('rendered_at', models.DateTimeField(blank=True, null=True)),
                ('firm', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='practice.firm', verbose_name='firm')),
                ('statement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pdfs', to='billing.statement')),
            ],
            options={
                'verbose_name': 'statement PDF',
                'verbose_name_plural': 'statement PDFs',
                'constraints': [models.UniqueConstraint(fields=('firm', 'statement', 'language'), name='statement_pdf_per_language')],
            },
        ),
        migrations.RunPython(describe_issued_lines, migrations.RunPython.noop),
    ]
