# On PostgreSQL: this app's firm tables keyed by (id, firm_id) and their keys to
# other firm tables made composite with firm_id (practice.distribution).
#
# Before that, two keys that a table sharded by firm can't enforce are reshaped:
# - the features a client uses were an automatic many-to-many table without a
#   firm; it becomes the firm table ClientUsageFeature (same rows, firm filled in
#   from their usage), unique per (firm, usage, feature);
# - a Time account's setup was unique by itself; it is unique per (firm, setup).

import django.db.models.deletion
from django.db import migrations, models

import practice.distribution
from practice.distribution import DistributeByFirm


def _key(to, **kwargs):
    return practice.distribution.TenantForeignKey(to=to, **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0011_distribute_by_firm'),
        ('practice', '0007_distribute_by_firm'),
        ('subscriptions', '0004_dated_prices_and_terms'),
    ]

    operations = [
        # The automatic table, described as a model of its own (no database change).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ClientUsageFeature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('clientusage', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='subscriptions.clientusage')),
                        ('feature', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='subscriptions.feature')),
                    ],
                    options={
                        'db_table': 'subscriptions_clientusage_features',
                        'unique_together': {('clientusage', 'feature')},
                    },
                ),
                migrations.AlterField(
                    model_name='clientusage',
                    name='features',
                    field=models.ManyToManyField(blank=True, through='subscriptions.ClientUsageFeature', to='subscriptions.feature', verbose_name='features in use'),
                ),
            ],
        ),
        migrations.AlterModelTable(name='clientusagefeature', table=None),
        migrations.AlterModelOptions(
            name='clientusagefeature',
            options={'verbose_name': 'feature in use', 'verbose_name_plural': 'features in use'},
        ),
        migrations.RenameField(model_name='clientusagefeature', old_name='clientusage', new_name='usage'),
        migrations.AlterField(
            model_name='clientusagefeature',
            name='usage',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='subscriptions.clientusage'),
        ),
        migrations.AlterField(
            model_name='clientusagefeature',
            name='feature',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='subscriptions.feature'),
        ),
        migrations.AddField(
            model_name='clientusagefeature',
            name='firm',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to='practice.firm', verbose_name='firm'),
        ),
        migrations.RunSQL(
            "UPDATE subscriptions_clientusagefeature SET firm_id = ("
            "SELECT u.firm_id FROM subscriptions_clientusage u"
            " WHERE u.id = subscriptions_clientusagefeature.usage_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='clientusagefeature',
            name='firm',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='practice.firm', verbose_name='firm'),
        ),
        migrations.AddConstraint(
            model_name='clientusagefeature',
            constraint=models.UniqueConstraint(fields=('firm', 'usage', 'feature'), name='client_usage_feature_once'),
        ),
        migrations.AlterUniqueTogether(name='clientusagefeature', unique_together=set()),
        # A Time account's setup: no longer unique by itself.
        migrations.AlterField(
            model_name='timeaccount',
            name='setup',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='time_account', to='subscriptions.appsetup', verbose_name='setup'),
        ),
        DistributeByFirm([
            'Subscription', 'ChargePeriod', 'PlanChange', 'ClientUsage', 'ClientUsageFeature',
            'AppSetup', 'TimeProAccount', 'TimeAccount', 'TimeAccountAccountant', 'TimeEmployee',
        ]),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name='appsetup', name='client', field=_key('clients.client', on_delete=django.db.models.deletion.CASCADE, related_name='app_setups', verbose_name='client')),
                migrations.AlterField(model_name='appsetup', name='subscription', field=_key('subscriptions.subscription', blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='app_setups', verbose_name='add-on subscription')),
                migrations.AlterField(model_name='chargeperiod', name='client', field=_key('clients.client', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+')),
                migrations.AlterField(model_name='chargeperiod', name='subscription', field=_key('subscriptions.subscription', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='periods')),
                migrations.AlterField(model_name='clientusage', name='client', field=_key('clients.client', on_delete=django.db.models.deletion.CASCADE, related_name='usage_records')),
                migrations.AlterField(model_name='clientusagefeature', name='usage', field=_key('subscriptions.clientusage', on_delete=django.db.models.deletion.CASCADE, related_name='+')),
                migrations.AlterField(model_name='planchange', name='subscription', field=_key('subscriptions.subscription', on_delete=django.db.models.deletion.CASCADE, related_name='plan_changes')),
                migrations.AlterField(model_name='subscription', name='client', field=_key('clients.client', on_delete=django.db.models.deletion.CASCADE, related_name='subscriptions', verbose_name='client')),
                migrations.AlterField(model_name='subscription', name='parent', field=_key('subscriptions.subscription', blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='addons', verbose_name='plan')),
                migrations.AlterField(model_name='timeaccount', name='client', field=_key('clients.client', on_delete=django.db.models.deletion.CASCADE, related_name='time_accounts', verbose_name='client')),
                migrations.AlterField(model_name='timeaccount', name='pro_account', field=_key('subscriptions.timeproaccount', blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='accounts')),
                migrations.AlterField(model_name='timeaccount', name='setup', field=practice.distribution.TenantOneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='time_account', to='subscriptions.appsetup', verbose_name='setup')),
                migrations.AlterField(model_name='timeaccountaccountant', name='membership', field=_key('practice.membership', on_delete=django.db.models.deletion.CASCADE, related_name='+', verbose_name='accountant')),
                migrations.AlterField(model_name='timeaccountaccountant', name='time_account', field=_key('subscriptions.timeaccount', on_delete=django.db.models.deletion.CASCADE, related_name='accountants')),
                migrations.AlterField(model_name='timeemployee', name='time_account', field=_key('subscriptions.timeaccount', on_delete=django.db.models.deletion.CASCADE, related_name='employees')),
            ],
        ),
        migrations.AddConstraint(
            model_name='timeaccount',
            constraint=models.UniqueConstraint(fields=('firm', 'setup'), name='time_account_one_per_setup'),
        ),
    ]
